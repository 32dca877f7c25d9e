package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditStoreReader;
import dev.sluice.store.AuditStores;

/**
 * The embedded audit store (default {@code sync: normal}) survives {@code kill -9} of a real Sluice process in the
 * middle of a pgbench run: after a restart the trail verifies, and every INSERT the database executed has its
 * allowed statement event (the event is durable before the statement is forwarded).
 */
class AuditSurvivesKillTest {
    private static final Pattern SERVING = Pattern.compile("PostgreSQL on port (\\d+)");
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        harness = GatewayHarness.start("");
        harness.database().execute("orders", "CREATE TABLE t (id bigserial PRIMARY KEY, v int NOT NULL);"
                + "ALTER TABLE t OWNER TO app");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void everyExecutedInsertIsAuditedAndTheTrailVerifiesAfterKillMinusNine() throws Exception {
        Path config = harness.replicaConfig("");
        Path dir = config.getParent();
        Path script = dir.resolve("insert.sql");
        Files.writeString(script, "\\set v random(1, 1000000)\ninsert into t (v) values (:v);\n");

        long t0 = System.nanoTime();
        Process sluice = serve(config, dir.resolve("first"));
        Process pgbench;
        try {
            int port = awaitPort(sluice, dir.resolve("first.out"));
            phase("first sluice serving", t0);
            ProcessBuilder bench = new ProcessBuilder("pgbench", "-n", "-c", "4", "-j", "2", "-T", "15", "-f",
                    script.toString(), "host=127.0.0.1 port=" + port + " dbname=orders user=agent sslmode=require")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("pgbench.log").toFile());
            bench.environment().put("PGPASSWORD", harness.token("agent", "agents"));
            pgbench = bench.start();
            awaitRows(200, Duration.ofSeconds(15));
            phase("200 rows inserted", t0);
        } finally {
            sluice.destroyForcibly(); // SIGKILL: no shutdown hook, no closing checkpoint
            assertThat(sluice.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(pgbench.waitFor(20, TimeUnit.SECONDS)).as("pgbench stops once Sluice is gone").isTrue();
        long executed = rows();
        phase("killed; pgbench done", t0);

        Process restarted = serve(config, dir.resolve("second"));
        try {
            awaitPort(restarted, dir.resolve("second.out"));
            phase("restarted", t0);
            StringWriter out = new StringWriter();
            int code = SharedAuditStoreTest.run(out, "audit", "verify", "--config", config.toString());
            assertThat(code).as(out.toString()).isZero();
            phase("verified: " + out.toString().strip(), t0);

            List<AuditRecord> inserts;
            try (AuditStoreReader reader = AuditStores.reader(AuditSettings.of(ConfigLoader.load(config)))) {
                inserts = reader.query(AuditQuery.all().withKind("command").withLimit(AuditStoreReader.MAX_QUERY_LIMIT))
                        .stream().filter(r -> r.statement().startsWith("insert into t") && r.verdict().equals("allow"))
                        .toList();
            }
            assertThat(executed).isGreaterThanOrEqualTo(200);
            assertThat((long) inserts.size()).as("no executed INSERT without its event")
                    .isGreaterThanOrEqualTo(executed)
                    .as("at most one in-flight statement per client beyond that").isLessThanOrEqualTo(executed + 4);
        } finally {
            restarted.destroy();
            restarted.waitFor(10, TimeUnit.SECONDS);
            restarted.destroyForcibly();
        }
    }

    private static void phase(String what, long start) {
        System.out.printf("kill test: %s after %d ms%n", what, (System.nanoTime() - start) / 1_000_000);
    }

    /** Starts {@code sluice serve} as a child JVM; its output goes to {@code name}.out and {@code name}.err. */
    private static Process serve(Path config, Path name) throws Exception {
        return new ProcessBuilder(ChildSluice.command("serve", "--config", config.toString()))
                .redirectOutput(Path.of(name + ".out").toFile()).redirectError(Path.of(name + ".err").toFile())
                .start();
    }

    /** Polls the child's stdout file until it says it serves; the port is in that line. */
    private static int awaitPort(Process sluice, Path out) throws Exception {
        // a bound, not a wait: a JVM starting on a loaded 2-core machine has taken over 30 s
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline && sluice.isAlive()) {
            Matcher matcher = SERVING.matcher(Files.exists(out) ? Files.readString(out) : "");
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
            Thread.sleep(50); // the child JVM is starting
        }
        throw new AssertionError("sluice did not start serving; see " + out);
    }

    private static void awaitRows(long atLeast, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (rows() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(50); // pgbench is inserting in the background
        }
    }

    private static long rows() throws Exception {
        try (Connection direct = harness.direct(); Statement s = direct.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
