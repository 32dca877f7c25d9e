package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.testing.Cli;

/**
 * Issue 15, the fast-path function call interface: large objects through psql ({@code \lo_import},
 * {@code \lo_export}) and pgjdbc's {@link LargeObjectManager} work through Sluice as directly, each call judged and
 * audited as the {@code SELECT "schema"."name"($1, ..)} it amounts to; a rule that denies the function refuses the
 * call (42501, audited) and nothing is written. Every test checks the database and the audit trail.
 */
class LargeObjectsE2ETest {
    private static GatewayHarness harness;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start("""
                policies:
                  - name: readers-write-no-large-objects
                    connections: [orders]
                    groups: [dpo]
                    deny:
                      functions: [lo_creat, lo_create, lowrite]
                      reason: readers do not write large objects
                  - name: no-server-side-lo-files
                    connections: [orders]
                    deny:
                      functions: [lo_import, lo_export]
                masking:
                  - name: cards-for-sre
                    connections: [orders]
                    unless-groups: [agents, dpo]
                    detectors: [card]
                """);
        dir = Files.createTempDirectory("sluice-lo-");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void psqlLoImportAndLoExportRoundTripThroughSluiceAsDirectly() throws Exception {
        byte[] content = new byte[300_000];
        new Random(15).nextBytes(content);
        Path in = Files.write(dir.resolve("in.bin"), content);
        String subject = "lo-psql";

        Cli.Result imported = psql(subject, "agents", "\\lo_import " + in);
        assertThat(imported.exitCode()).as(imported.stderr()).isZero();
        assertThat(imported.stdout().strip()).matches("lo_import \\d+");
        long oid = Long.parseLong(imported.stdout().strip().substring("lo_import ".length()));
        Path out = dir.resolve("out.bin");
        Cli.Result exported = psql(subject, "agents", "\\lo_export " + oid + " " + out);
        assertThat(exported.exitCode()).as(exported.stderr()).isZero();
        assertThat(exported.stdout().strip()).isEqualTo("lo_export");

        assertThat(Files.readAllBytes(out)).isEqualTo(content);
        assertThat(PolicyE2EFixture.holds(harness, "select length(lo_get(" + oid + ")) = " + content.length))
                .isTrue();
        // directly, the same commands print the same
        Cli.Result direct = Cli.run(Map.of("PGPASSWORD", harness.databasePassword()), Duration.ofSeconds(60),
                "psql", "-X", "-At", "-d", directConninfo(), "-c", "\\lo_import " + in);
        assertThat(direct.stdout().strip()).matches("lo_import \\d+");

        List<AuditRecord> calls = statements(subject).stream().filter(r -> r.statement().contains("fast-path"))
                .toList();
        assertThat(calls).isNotEmpty().allMatch(r -> r.verdict().equals("allow"));
        assertThat(calls).extracting(AuditRecord::statement)
                .anyMatch(s -> s.startsWith("SELECT \"pg_catalog\".\"lowrite\"($1, $2)"))
                .anyMatch(s -> s.startsWith("SELECT \"pg_catalog\".\"lo_creat\"($1)")
                        || s.startsWith("SELECT \"pg_catalog\".\"lo_create\"($1)"))
                .anyMatch(s -> s.startsWith("SELECT \"pg_catalog\".\"loread\"($1, $2)"));
    }

    @Test
    void pgjdbcLargeObjectManagerWritesAndReadsThroughSluice() throws Exception {
        byte[] content = "large object through Sluice ".repeat(5000).getBytes(StandardCharsets.UTF_8);
        long oid;
        try (Connection c = harness.connect("lo-jdbc", "agents")) {
            c.setAutoCommit(false);
            LargeObjectManager manager = c.unwrap(PGConnection.class).getLargeObjectAPI();
            oid = manager.createLO(LargeObjectManager.READWRITE);
            try (LargeObject object = manager.open(oid, LargeObjectManager.WRITE)) {
                object.write(content);
            }
            c.commit();
            try (LargeObject object = manager.open(oid, LargeObjectManager.READ)) {
                assertThat(object.size64()).isEqualTo(content.length);
                assertThat(readAll(object)).isEqualTo(content);
            }
            c.commit();
        }
        try (Connection c = harness.direct(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select lo_get(" + oid + ")")) {
            r.next();
            assertThat(r.getBytes(1)).isEqualTo(content);
        }
        assertThat(statements("lo-jdbc")).extracting(AuditRecord::statement)
                .anyMatch(s -> s.startsWith("SELECT \"pg_catalog\".\"lo_open\"($1, $2)"));
    }

    @Test
    void aRuleThatDeniesTheFunctionRefusesTheCallWith42501AndNothingIsWritten() throws Exception {
        byte[] content = "must not arrive".getBytes(StandardCharsets.UTF_8);
        Path in = Files.write(dir.resolve("denied.bin"), content);
        long before = largeObjects();

        Cli.Result result = psql("lo-reader", "dpo", "\\lo_import " + in);

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("denied by Sluice policy rule \"readers-write-no-large-objects\"")
                .contains("readers do not write large objects");
        assertThat(largeObjects()).isEqualTo(before);
        assertThat(statements("lo-reader")).anyMatch(r -> r.verdict().equals("deny")
                && r.statement().contains("fast-path") && "readers-write-no-large-objects".equals(
                r.details().get("rule")));
    }

    @Test
    void aRawFastPathCallOfServerSideLoImportIsDeniedByItsRuleAndAudited() throws Exception {
        String subject = "lo-raw";
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"))) {
            client.send(new FrontendMessage.FunctionCall(call(764, "/etc/passwd"))); // lo_import(text)
            List<BackendMessage> denied = client.untilReady();
            assertThat(PolicyWireClient.errors(denied)).singleElement().satisfies(e -> {
                assertThat(e.sqlState()).isEqualTo("42501");
                assertThat(e.message()).startsWith("denied by Sluice policy rule \"no-server-side-lo-files\"");
            });
            client.send(new FrontendMessage.FunctionCall(call(999_999_999, "x")));
            List<BackendMessage> unknown = client.untilReady();
            assertThat(PolicyWireClient.errors(unknown)).singleElement().satisfies(e -> {
                assertThat(e.sqlState()).isEqualTo("42501");
                assertThat(e.message()).contains("function OID 999999999 is not a function Sluice can see");
            });
            // the session goes on
            client.send(new FrontendMessage.Query("SELECT 1"));
            assertThat(client.untilReady().toString()).contains("DataRow");
        }
        List<AuditRecord> statements = statements(subject);
        assertThat(statements).anyMatch(r -> r.statement().startsWith("SELECT \"pg_catalog\".\"lo_import\"($1)")
                && r.verdict().equals("deny") && String.valueOf(r.details()).contains("/etc/passwd"));
        assertThat(statements).anyMatch(r -> r.statement().contains("function OID 999999999")
                && r.verdict().equals("deny"));
    }

    @Test
    void aCallerWithMaskingRulesGetsNoFastPathCallsTheirResultsCannotBeMasked() throws Exception {
        Path in = Files.write(dir.resolve("masked.bin"), "4242 4242 4242 4242".getBytes(StandardCharsets.UTF_8));
        long before = largeObjects();

        Cli.Result result = psql("lo-masked", "sre", "\\lo_import " + in);

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("fast-path function call interface is refused by Sluice for a caller "
                + "with masking rules");
        assertThat(largeObjects()).isEqualTo(before);
        assertThat(statements("lo-masked")).anyMatch(r -> r.verdict().equals("deny")
                && r.statement().contains("fast-path"));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    /** A FunctionCall payload: one text argument, text result. */
    private static byte[] call(int oid, String argument) {
        byte[] value = argument.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 2 + 2 + 2 + 4 + value.length + 2);
        b.putInt(oid).putShort((short) 1).putShort((short) 0).putShort((short) 1).putInt(value.length).put(value)
                .putShort((short) 0);
        return b.array();
    }

    private static byte[] readAll(LargeObject object) throws SQLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk;
        while ((chunk = object.read(8192)).length > 0) {
            out.writeBytes(chunk);
        }
        return out.toByteArray();
    }

    private static long largeObjects() throws SQLException {
        try (Connection c = harness.direct(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select count(*) from pg_largeobject_metadata")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static String directConninfo() {
        return "host=127.0.0.1 port=" + harness.database().port() + " dbname=orders user=app";
    }

    private static Cli.Result psql(String subject, String group, String command) {
        List<String> args = new ArrayList<>(List.of("psql", "-X", "-At", "-d", harness.conninfo("agent"),
                "-c", command));
        return Cli.run(Map.of("PGPASSWORD", harness.token(subject, group), "PGCONNECT_TIMEOUT", "10"),
                Duration.ofSeconds(60), args.toArray(String[]::new));
    }

    private static List<AuditRecord> statements(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject).withKind("command"));
    }
}
