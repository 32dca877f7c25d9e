package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Cli;
import dev.sluice.testing.PostgresServer;

/**
 * {@code /readyz} with the shared PostgreSQL audit store really stopped ({@code pg_ctl stop}) and started again:
 * not ready while it is down (and commands refused with a protocol-native error), ready again by itself once it is
 * back, with no restart of Sluice.
 */
class OpsSharedStoreReadinessE2ETest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static GatewayHarness harness;
    private static PostgresServer store;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start("");
        store = PostgresServer.start();
        store.createUser("sluice_store", "store-pw", false);
        store.createDatabase("sluice");
        store.execute("postgres", "ALTER DATABASE sluice OWNER TO sluice_store");
        store.execute("sluice", "ALTER SCHEMA public OWNER TO sluice_store");
        Path config = harness.replicaConfig("""
                audit:
                  store: postgres
                  url: %s
                  user: sluice_store
                  password: store-pw
                """.formatted(store.jdbcUrl("sluice")));
        gateway = Gateway.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (store != null) {
            store.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    private static OpsScrape.Response readyz() {
        return OpsScrape.get(gateway.httpPort(), "/readyz");
    }

    private static int selectOne() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "shared-agent");
        properties.setProperty("password", harness.token("shared-agent", "agents"));
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + gateway.postgresPort()
                + "/orders?sslmode=require", properties); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select 1")) {
            r.next();
            return r.getInt(1);
        }
    }

    /** pg_ctl on the store's cluster, as the postgres user when this JVM is root (as PgCluster does). */
    private static Cli.Result pgCtl(String... args) {
        java.util.List<String> command = new java.util.ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(java.util.List.of("runuser", "-u", "postgres", "--"));
        }
        command.add("/usr/lib/postgresql/15/bin/pg_ctl");
        command.add("-D" + store.dataDir());
        command.addAll(java.util.List.of(args));
        return Cli.run(Map.of(), Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    @Test
    void theSharedStoreDownMakesItNotReadyAndItRecoversByItself() throws Exception {
        assertThat(OpsScrape.eventually(WAIT, () -> readyz().status() == 200)).isTrue();
        assertThat(selectOne()).isEqualTo(1);

        Cli.Result stopped = pgCtl("-m", "fast", "-w", "stop");
        assertThat(stopped.exitCode()).as(stopped.stderr()).isZero();
        try {
            assertThat(OpsScrape.eventually(WAIT, () -> readyz().status() == 503)).isTrue();
            assertThat(readyz().body()).contains("\"audit\":\"the ");
            SQLException refused = null;
            try {
                selectOne();
            } catch (SQLException e) {
                refused = e;
            }
            assertThat((Throwable) refused).as("a command while the audit store is down").isNotNull();
        } finally {
            Path log = Files.createTempFile("store-restart-", ".log");
            log.toFile().setWritable(true, false);
            Files.delete(log);
            Cli.Result started = pgCtl("-l", log.toString(), "-w", "-t", "30", "-o", "-p " + store.port(), "start");
            assertThat(started.exitCode()).as(started.stderr() + started.stdout()).isZero();
        }
        assertThat(OpsScrape.eventually(WAIT.plus(AuditHealth.FAILURE_HOLD), () -> readyz().status() == 200))
                .as("ready again by itself").isTrue();
        assertThat(OpsScrape.eventually(WAIT, () -> {
            try {
                return selectOne() == 1;
            } catch (SQLException e) {
                return false;
            }
        })).as("commands pass again without a restart").isTrue();
    }
}
