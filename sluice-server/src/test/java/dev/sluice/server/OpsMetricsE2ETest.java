package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Cli;

/**
 * Scrapes {@code /metrics} after real traffic through Sluice (pgjdbc and psql against a real PostgreSQL, real OIDC
 * tokens) and checks the counters: sessions, verdicts, a held statement, refused tokens, an unknown connection, an
 * upstream that is down, latencies, and that no subject, statement text or secret ever becomes a label.
 */
class OpsMetricsE2ETest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static GatewayHarness harness;
    private static final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start("""
                  - name: down
                    type: postgres
                    address: 127.0.0.1:1
                    database: orders
                    user: app
                    password: nothing
                    tls:
                      mode: disable
                    allow:
                      groups: [agents]
                policies:
                  - name: no-drops
                    groups: [agents]
                    deny:
                      kinds: [DROP]
                  - name: deletes-need-sre
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [metered]
                      approvers: [sre]
                      expires: 2s
                """);
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE metered (id int primary key)");
            s.execute("INSERT INTO metered SELECT generate_series(1, 10)");
            s.execute("ALTER TABLE metered OWNER TO app");
        }
    }

    @AfterAll
    static void stop() {
        clients.shutdownNow();
        if (harness != null) {
            harness.close();
        }
    }

    private static String scrape() {
        OpsScrape.Response response = OpsScrape.get(harness.gateway().httpPort(), "/metrics");
        assertThat(response.status()).isEqualTo(200);
        return response.body();
    }

    private static double sample(String name, String... labels) {
        return OpsScrape.sample(scrape(), name, labels);
    }

    private static double orZero(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    @Test
    void countersFollowRealTrafficAndLabelsStayBounded() throws Exception {
        String orders = "connection=\"orders\"";
        double startedBefore = orZero(sample("sluice_sessions_started_total", orders));
        double allowBefore = orZero(sample("sluice_commands_total", orders, "verdict=\"allow\""));
        double denyBefore = orZero(sample("sluice_commands_total", orders, "verdict=\"deny\""));

        try (Connection c = harness.connect("metrics-agent-7f3a", "agents"); Statement s = c.createStatement()) {
            s.executeQuery("select 1").close();
            s.executeQuery("select count(*) from metered").close();
            assertThat(sample("sluice_sessions_active", orders, "protocol=\"postgres\"")).isGreaterThanOrEqualTo(1);
            assertThatThrownBy(() -> s.execute("DROP TABLE metered"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
        Cli.Result psql = harness.psql(harness.token("metrics-agent-psql", "agents"), "-At", "-c",
                "select 'secret-statement-text-91c2'");
        assertThat(psql.exitCode()).isZero();

        assertThat(OpsScrape.eventually(WAIT, () -> orZero(sample("sluice_sessions_ended_total", orders))
                >= startedBefore + 2 && sample("sluice_sessions_active", orders) == 0)).isTrue();
        String scrape = scrape();
        assertThat(OpsScrape.sample(scrape, "sluice_sessions_started_total", orders, "protocol=\"postgres\""))
                .isGreaterThanOrEqualTo(startedBefore + 2);
        assertThat(OpsScrape.sample(scrape, "sluice_commands_total", orders, "verdict=\"allow\""))
                .isGreaterThanOrEqualTo(allowBefore + 3);
        assertThat(OpsScrape.sample(scrape, "sluice_commands_total", orders, "verdict=\"deny\""))
                .isEqualTo(denyBefore + 1);
        assertThat(OpsScrape.sample(scrape, "sluice_command_duration_seconds_count", orders, "outcome=\"ok\""))
                .isGreaterThanOrEqualTo(3);
        assertThat(OpsScrape.sample(scrape, "sluice_command_duration_seconds_bucket", orders, "outcome=\"ok\"",
                "le=\"+Inf\"")).isGreaterThanOrEqualTo(3);
        assertThat(OpsScrape.sample(scrape, "sluice_audit_write_seconds_count")).isGreaterThan(0);
        assertThat(OpsScrape.sample(scrape, "sluice_audit_queue_depth")).isGreaterThanOrEqualTo(0);
        assertThat(OpsScrape.sample(scrape, "sluice_ready")).isEqualTo(1);
        // no subject, statement text or secret in any label or value
        assertThat(scrape).doesNotContain("metrics-agent", "secret-statement-text", "metered",
                harness.databasePassword());
    }

    @Test
    void aHeldStatementIsPendingWithAnAgeUntilItExpires() throws Exception {
        try (Connection c = harness.connect("metrics-holder", "agents")) {
            double holdsBefore = orZero(sample("sluice_commands_total", "verdict=\"hold\""));
            Future<Integer> delete = clients.submit(() -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("DELETE FROM metered WHERE id = 1");
                }
            });
            assertThat(OpsScrape.eventually(WAIT, () -> sample("sluice_holds_pending") == 1)).isTrue();
            Thread.sleep(300);
            String scrape = scrape();
            assertThat(OpsScrape.sample(scrape, "sluice_holds_oldest_age_seconds")).isGreaterThan(0.2);
            assertThat(OpsScrape.sample(scrape, "sluice_commands_total", "verdict=\"hold\""))
                    .isEqualTo(holdsBefore + 1);
            assertThat(OpsScrape.sample(scrape, "sluice_approval_requests_total", "kind=\"statement\""))
                    .isGreaterThanOrEqualTo(1);
            assertThatThrownBy(() -> delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasRootCauseInstanceOf(
                    SQLException.class);
        }
        assertThat(OpsScrape.eventually(WAIT, () -> sample("sluice_holds_pending") == 0)).isTrue();
        String scrape = scrape();
        assertThat(OpsScrape.sample(scrape, "sluice_holds_oldest_age_seconds")).isZero();
        assertThat(OpsScrape.sample(scrape, "sluice_approval_wait_seconds_count", "outcome=\"expired\""))
                .isEqualTo(1);
        assertThat(OpsScrape.sample(scrape, "sluice_approval_wait_seconds_sum", "outcome=\"expired\""))
                .isBetween(1.5, 10.0);
        try (Connection c = harness.direct(); Statement s = c.createStatement();
             var r = s.executeQuery("select count(*) from metered where id = 1")) {
            r.next();
            assertThat(r.getInt(1)).as("the expired hold never ran").isEqualTo(1);
        }
    }

    @Test
    void refusedTokensUnknownConnectionsAndDownUpstreamsAreCountedWithBoundedLabels() {
        double badSignature = orZero(sample("sluice_auth_failures_total", "reason=\"signature\""));
        double noSuch = orZero(sample("sluice_access_denied_total", "reason=\"no_such_connection\""));
        double down = orZero(sample("sluice_upstream_connect_errors_total", "connection=\"down\""));

        String token = harness.token("metrics-forger", "agents");
        String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThatThrownBy(() -> connect("orders", forged)).isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        assertThatThrownBy(() -> connect("attacker-chosen-name-5d1e", harness.token("metrics-prober", "agents")))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        assertThatThrownBy(() -> connect("down", harness.token("metrics-down", "agents")))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08001"));

        String scrape = scrape();
        assertThat(OpsScrape.sample(scrape, "sluice_auth_failures_total", "reason=\"signature\""))
                .isEqualTo(badSignature + 1);
        assertThat(OpsScrape.sample(scrape, "sluice_access_denied_total", "reason=\"no_such_connection\""))
                .isEqualTo(noSuch + 1);
        assertThat(OpsScrape.sample(scrape, "sluice_upstream_connect_errors_total", "connection=\"down\""))
                .isEqualTo(down + 1);
        assertThat(scrape).doesNotContain("attacker-chosen-name", "metrics-forger", "metrics-prober", forged);
    }

    @Test
    void healthAndReadinessAnswerWithoutAToken() {
        assertThat(OpsScrape.get(harness.gateway().httpPort(), "/healthz").status()).isEqualTo(200);
        OpsScrape.Response ready = OpsScrape.get(harness.gateway().httpPort(), "/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\":true", "\"audit\":\"ok\"", "\"draining\":\"ok\"");
    }

    private static void connect(String connection, String token) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "metrics");
        properties.setProperty("password", token);
        DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + harness.port() + "/" + connection
                + "?sslmode=require", properties).close();
    }
}
