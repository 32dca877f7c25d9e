package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Cli;

/**
 * {@code /readyz} with a real audit store on a real, small file system: a tmpfs mounted for the test (root only;
 * skipped elsewhere). Filling the disk, or making the store file immutable ({@code chattr +i}), turns readiness
 * false with the reason; freeing it turns readiness back to true by itself, and the store takes writes again without
 * a restart (the journal replays what a failed commit left). Commands are refused while the store cannot take their
 * audit events (fail closed).
 */
class OpsReadinessE2ETest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static GatewayHarness harness;
    private static Path mount;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws IOException {
        harness = GatewayHarness.start("");
        mount = Files.createTempDirectory("sluice-ready-");
        Cli.Result mounted = Cli.run(java.util.Map.of(), Duration.ofSeconds(10), "mount", "-t", "tmpfs", "-o",
                "size=24m", "tmpfs", mount.toString());
        assumeThat(mounted.exitCode()).as("mounting a tmpfs needs root: " + mounted.stderr()).isZero();
        Path config = mount.resolveSibling(mount.getFileName() + ".yaml");
        Files.writeString(config, harness.config("").replace("data-dir: ./data", "data-dir: " + mount));
        gateway = Gateway.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (mount != null) {
            Cli.run(java.util.Map.of(), Duration.ofSeconds(10), "chattr", "-i", mount.resolve("audit.db").toString());
            Cli.run(java.util.Map.of(), Duration.ofSeconds(10), "umount", "-l", mount.toString());
        }
        if (harness != null) {
            harness.close();
        }
    }

    private static OpsScrape.Response readyz() {
        return OpsScrape.get(gateway.httpPort(), "/readyz");
    }

    private static Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "ready-agent");
        properties.setProperty("password", harness.token("ready-agent", "agents"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + gateway.postgresPort()
                + "/orders?sslmode=require", properties);
    }

    private static int selectOne() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("select 1")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    void aFullDiskMakesItNotReadyAndRefusesCommandsUntilSpaceIsFreed() throws Exception {
        assertThat(readyz().status()).isEqualTo(200);
        assertThat(selectOne()).isEqualTo(1);
        Path filler = mount.resolve("filler");
        try {
            try (OutputStream out = Files.newOutputStream(filler)) {
                byte[] block = new byte[64 * 1024];
                while (true) {
                    out.write(block);
                }
            } catch (IOException e) {
                assertThat(e.getMessage()).contains("No space left");
            }
            assertThat(OpsScrape.eventually(WAIT, () -> readyz().status() == 503)).isTrue();
            assertThat(readyz().body()).contains("\"ready\":false", "\"audit\":\"the audit store",
                    "\"draining\":\"ok\"");
            // Fail closed: once the store's preallocated space is used up, a command whose verdict cannot be made
            // durable is refused with a protocol-native error.
            SQLException refused = null;
            String big = "x".repeat(60_000);
            try (Connection c = connect(); Statement s = c.createStatement()) {
                for (int i = 0; i < 1000 && refused == null; i++) {
                    try {
                        s.executeQuery("select '" + big + "'").close();
                    } catch (SQLException e) {
                        refused = e;
                    }
                }
            } catch (SQLException e) {
                refused = e;
            }
            assertThat((Throwable) refused).as("a command through a gateway whose audit disk is full").isNotNull();
            assertThat(refused.getSQLState()).isIn("58000", "42501", "57P01");
            assertThat(refused.getMessage()).containsIgnoringCase("audit");
        } finally {
            Files.deleteIfExists(filler);
        }
        // The embedded store's journal stops after a failed commit and, once the disk has room again, replays the
        // events of that commit and takes writes again by itself: readiness and commands come back with nobody
        // restarting Sluice.
        assertThat(OpsScrape.eventually(WAIT.plus(AuditHealth.FAILURE_HOLD), () -> readyz().status() == 200))
                .as("readiness after the disk was freed: " + readyz().body()).isTrue();
        assertThat(selectOne()).isEqualTo(1);
        assertThat(gateway.audit().writeBlocked()).isEmpty();
        assertThat(gateway.audit().verify().ok()).as("the trail verifies after the fault").isTrue();
    }

    @Test
    void anImmutableStoreFileMakesItNotReadyAndBack() {
        Path store = mount.resolve("audit.db");
        Cli.Result immutable = Cli.run(java.util.Map.of(), Duration.ofSeconds(10), "chattr", "+i", store.toString());
        assumeThat(immutable.exitCode()).as("chattr +i on tmpfs: " + immutable.stderr()).isZero();
        try {
            assertThat(OpsScrape.eventually(WAIT, () -> readyz().status() == 503)).isTrue();
            assertThat(readyz().body()).contains("the audit store cannot be written: Operation not permitted");
        } finally {
            Cli.run(java.util.Map.of(), Duration.ofSeconds(10), "chattr", "-i", store.toString());
        }
        assertThat(OpsScrape.eventually(WAIT.plus(AuditHealth.FAILURE_HOLD), () -> readyz().status() == 200))
                .isTrue();
    }
}
