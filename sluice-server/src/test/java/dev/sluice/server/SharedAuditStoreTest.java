package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.store.AuditSigningKey;
import dev.sluice.store.PostgresAuditLog;
import dev.sluice.testing.PostgresServer;

/** Two Sluice replicas share one PostgreSQL audit store: both sessions' events land in one verifiable trail. */
class SharedAuditStoreTest {
    private static PostgresServer auditDb;
    private static GatewayHarness harness;
    private static Gateway replica;
    private static Path replicaConfig;

    @BeforeAll
    static void start() throws Exception {
        auditDb = PostgresServer.start();
        auditDb.createUser("sluice_audit", "audit-pw", false);
        auditDb.createDatabase("audit");
        auditDb.execute("postgres", "ALTER DATABASE audit OWNER TO sluice_audit");
        auditDb.execute("audit", "ALTER SCHEMA public OWNER TO sluice_audit");
        Path sharedKey = java.nio.file.Files.createTempDirectory("sluice-shared-key-").resolve("audit.key");
        String audit = """
                audit:
                  store: postgres
                  url: %s
                  user: sluice_audit
                  password: audit-pw
                  signing-key: %s
                """.formatted(auditDb.jdbcUrl("audit"), sharedKey);
        harness = GatewayHarness.start(audit);
        replicaConfig = harness.replicaConfig(audit);
        replica = Gateway.start(replicaConfig, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
        harness.close();
        auditDb.close();
    }

    @Test
    void sessionsOnBothReplicasLandInOneVerifiableTrail() throws Exception {
        try (Connection viaA = harness.connect("agent-a", "agents");
             Connection viaB = connect(replica.postgresPort(), "agent-b")) {
            for (int i = 0; i < 5; i++) {
                query(viaA, "select 'from replica a', " + i);
                query(viaB, "select 'from replica b', " + i);
            }
        }

        List<AuditRecord> statements = replica.audit().query(AuditQuery.all().withKind("command"));
        assertThat(statements).extracting(AuditRecord::subject).contains("agent-a", "agent-b");
        assertThat(statements).filteredOn(r -> r.statement().startsWith("select 'from replica")).hasSize(10);
        List<AuditRecord> all = harness.audit(AuditQuery.all().withLimit(10_000));
        assertThat(all).extracting(AuditRecord::seq)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(all.getFirst().seq(),
                        all.getLast().seq()).boxed().toList());
        assertThat(harness.gateway().audit().verify().ok()).isTrue();
        assertThat(replica.audit().verify().ok()).isTrue();
        assertThat(replica.audit()).isInstanceOf(PostgresAuditLog.class);
    }

    @Test
    void auditVerifyCommandChecksTheSharedStoreAgainstThePinnedKey() throws Exception {
        StringWriter key = new StringWriter();
        int printed = run(key, "audit", "public-key", "--config", replicaConfig.toString());
        Path pinned = replicaConfig.resolveSibling("pinned.pem");
        java.nio.file.Files.writeString(pinned, key.toString());
        harness.gateway().audit().append(new dev.sluice.core.audit.AuditEvent.ConfigReloaded(
                java.time.Instant.now(), "test", true, List.of()));

        StringWriter out = new StringWriter();
        int verified = run(out, "audit", "verify", "--config", harness.configFile().toString(),
                "--public-key", pinned.toString());

        assertThat(printed).isZero();
        assertThat(AuditSigningKey.readPublicKey(pinned)).isNotNull();
        assertThat(verified).as(out.toString()).isZero();
        assertThat(out.toString()).startsWith("ok: chain intact");
    }

    static int run(StringWriter out, String... args) {
        CommandLine cli = SluiceCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        return cli.execute(args);
    }

    private static Connection connect(int port, String subject) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("user", subject);
        properties.setProperty("password", harness.token(subject, "agents"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/orders?sslmode=require",
                properties);
    }

    private static void query(Connection connection, String sql) throws Exception {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
        }
    }
}
