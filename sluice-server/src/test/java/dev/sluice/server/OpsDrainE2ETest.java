package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.store.AuditStoreReader;
import dev.sluice.store.AuditStores;
import dev.sluice.testing.Cli;

/**
 * Drain with a real signal: {@code sluice serve} runs as its own JVM process (the same main class the launcher
 * runs), gets SIGTERM while pgjdbc sessions are open, and must refuse new clients with 57P03 (pgjdbc and psql), let
 * open sessions go on until {@code shutdown.drain-timeout}, end the rest with 57P01, sign the audit tail and exit 0.
 */
class OpsDrainE2ETest {
    private static final Pattern SERVING = Pattern.compile("PostgreSQL on port (\\d+), HTTP on port (\\d+)");
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws SQLException {
        harness = GatewayHarness.start("");
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE drained (id int primary key)");
            s.execute("INSERT INTO drained SELECT generate_series(1, 10)");
            s.execute("ALTER TABLE drained OWNER TO app");
        }
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    private static Connection connect(int port, String subject) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", subject);
        properties.setProperty("password", harness.token(subject, "agents"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/orders?sslmode=require",
                properties);
    }

    private static int query(Connection c, int value) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("select " + value)) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    void sigtermRefusesNewSessionsLetsOpenOnesFinishEndsTheRestAndExitsZero() throws Exception {
        Path config = harness.replicaConfig("""
                shutdown:
                  drain-timeout: 4s
                logging:
                  format: json
                policies:
                  - name: deletes-need-sre
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [drained]
                      approvers: [sre]
                """);
        Process serve = new ProcessBuilder(ChildSluice.command("serve", "-c", config.toString()))
                .redirectError(config.resolveSibling("serve.log").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(),
                    StandardCharsets.UTF_8));
            Matcher ports = SERVING.matcher(out.readLine());
            assertThat(ports.find()).isTrue();
            int pg = Integer.parseInt(ports.group(1));
            int http = Integer.parseInt(ports.group(2));

            Connection stays = connect(pg, "drain-stays");
            Connection leaves = connect(pg, "drain-leaves");
            Connection holds = connect(pg, "drain-holds");
            CompletableFuture<Integer> held = CompletableFuture.supplyAsync(
                    () -> {
                        try (Statement s = holds.createStatement()) {
                            return s.executeUpdate("DELETE FROM drained WHERE id = 1");
                        } catch (SQLException e) {
                            throw new CompletionException(e);
                        }
                    });
            assertThat(OpsScrape.eventually(Duration.ofSeconds(10), () -> OpsScrape.sample(
                    OpsScrape.get(http, "/metrics").body(), "sluice_holds_pending") == 1)).isTrue();
            assertThat(query(stays, 1)).isEqualTo(1);
            assertThat(query(leaves, 2)).isEqualTo(2);
            assertThat(OpsScrape.get(http, "/readyz").status()).isEqualTo(200);

            long signalled = System.nanoTime();
            serve.destroy(); // SIGTERM
            assertThat(OpsScrape.eventually(Duration.ofSeconds(5), () -> OpsScrape.get(http, "/readyz").body()
                    .contains("\"draining\":\"the gateway is shutting down\""))).isTrue();
            assertThat(OpsScrape.get(http, "/readyz").status()).isEqualTo(503);

            // new clients are told in their protocol
            assertThatThrownBy(() -> connect(pg, "drain-late")).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("57P03");
                assertThat(e.getMessage()).contains("the gateway is shutting down");
            });
            Cli.Result psql = Cli.run(Map.of("PGPASSWORD", harness.token("drain-psql", "agents"),
                    "PGCONNECT_TIMEOUT", "10"), Duration.ofSeconds(30), "psql", "-X", "-d",
                    "host=127.0.0.1 port=" + pg + " dbname=orders user=agent sslmode=require", "-c", "select 1");
            assertThat(psql.exitCode()).isNotZero();
            assertThat(psql.stderr()).contains("FATAL:  the gateway is shutting down");

            // open sessions go on, and one that finishes in time ends normally
            assertThat(query(stays, 3)).isEqualTo(3);
            assertThat(query(leaves, 4)).isEqualTo(4);
            leaves.close();

            // the one still open at the deadline is ended with 57P01
            Thread.sleep(Math.max(0, Duration.ofSeconds(4).toMillis()
                    - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled)) + 1500);
            SQLException ended = null;
            try {
                query(stays, 5);
            } catch (SQLException e) {
                ended = e;
            }
            assertThat((Throwable) ended).as("the session open at the deadline is ended").isNotNull();
            assertThat(ended.getSQLState()).isIn("57P01", "08006");
            stays.close();
            // the statement held for approval at the deadline was never run
            assertThatThrownBy(() -> held.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(SQLException.class);
            holds.close();
            try (Connection c = harness.direct(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("select count(*) from drained where id = 1")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(1);
            }

            assertThat(serve.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(serve.exitValue()).isZero();
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - signalled);
            assertThat(seconds).isBetween(3L, 15L);
        } finally {
            serve.destroyForcibly();
        }

        List<String> log = Files.readAllLines(config.resolveSibling("serve.log"));
        assertThat(log).anySatisfy(line -> assertThat(line).startsWith("{\"time\":").contains("\"message\":\"drained\""));
        assertThat(String.join("\n", log)).doesNotContain(harness.databasePassword());

        List<AuditRecord> ends;
        try (AuditStoreReader reader = AuditStores.reader(ConfigLoader.load(config))) {
            ends = reader.query(AuditQuery.all().withKind("session.end"));
        }
        List<String> reasons = new ArrayList<>();
        ends.forEach(e -> reasons.add(e.subject() + ": " + e.details()));
        assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("drain-stays").contains("shutting down"));
        assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("drain-leaves"));
        assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("drain-holds").contains("shutting down"));
        // the tail is committed and signed: the chain verifies with the signing key
        java.io.StringWriter verify = new java.io.StringWriter();
        picocli.CommandLine cli = SluiceCli.commandLine();
        cli.setOut(new java.io.PrintWriter(verify));
        int code = cli.execute("audit", "verify", "-c", config.toString());
        assertThat(code).as(verify.toString()).isZero();
        assertThat(verify.toString()).startsWith("ok:");
    }
}
