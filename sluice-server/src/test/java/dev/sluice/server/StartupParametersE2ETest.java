package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Issue 15, client startup parameters: what a client asks for in its startup packet (libpq's PGDATESTYLE, PGTZ,
 * PGOPTIONS; pgjdbc's TimeZone, extra_float_digits, options) reaches the server, judged as the {@code SET} it amounts
 * to, so that dates, timestamps, intervals and floats print exactly as on a direct connection; what is unsafe or
 * denied refuses the session, audited. Every test compares with a direct connection or checks the audit trail.
 */
class StartupParametersE2ETest {
    /** Output that depends on DateStyle, TimeZone, IntervalStyle, extra_float_digits, search_path, lc_time. */
    private static final String PROBE = "SELECT timestamptz '2024-03-05 14:30:00.25+00' AS ts,"
            + " timestamp '2024-03-05 14:30:00' AS t, date '2024-03-05' AS d,"
            + " interval '1 year 2 mons 3 days 04:05:06.5' AS i, 0.1::float8 + 0.2 AS f, 1e-7::float4 AS r,"
            + " current_setting('application_name') AS app, current_setting('search_path') AS path,"
            + " current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds,"
            + " current_setting('IntervalStyle') AS ist, current_setting('extra_float_digits') AS efd,"
            + " current_setting('work_mem') AS wm";
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        harness = GatewayHarness.start("""
                policies:
                  - name: no-statement-timeout-off
                    connections: [orders]
                    groups: [agents]
                    deny:
                      when: "command.kind == 'SET' && command.text.contains('statement_timeout')"
                      reason: statement_timeout stays as configured
                """);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void psqlWithPgdatestylePgtzAndPgoptionsPrintsWhatADirectConnectionPrints() {
        Map<String, String> env = Map.of("PGDATESTYLE", "German", "PGTZ", "America/New_York",
                "PGOPTIONS", "-c IntervalStyle=sql_standard -c extra_float_digits=0 --work-mem=8MB"
                        + " -c search_path=pg_catalog,\\ public");
        Cli.Result through = psqlThrough(env, "startup-psql", "-c", PROBE);
        Cli.Result direct = psqlDirect(env, "-c", PROBE);

        assertThat(through.exitCode()).as(through.stderr()).isZero();
        assertThat(direct.exitCode()).as(direct.stderr()).isZero();
        assertThat(through.stdout()).isEqualTo(direct.stdout())
                .contains("05.03.2024 09:30:00.25 EST", "+1-2 +3 +4:05:06.5|0.3|1e-07|psql|pg_catalog, public"
                        + "|America/New_York|German, DMY|sql_standard|0|8MB");
    }

    @Test
    void psqlDefaultsMatchToo() {
        Cli.Result through = psqlThrough(Map.of(), "startup-psql-defaults", "-c", PROBE);
        Cli.Result direct = psqlDirect(Map.of(), "-c", PROBE);
        assertThat(through.exitCode()).as(through.stderr()).isZero();
        assertThat(through.stdout()).isEqualTo(direct.stdout());
    }

    @Test
    void pgjdbcWithTimeZoneOptionsAndApplicationNameReadsWhatADirectConnectionReads() throws Exception {
        Map<String, String> properties = Map.of("options", "-c IntervalStyle=postgres_verbose -c work_mem=9MB",
                "ApplicationName", "jdbc-report");
        List<String> through;
        String previous = System.getProperty("user.timezone");
        java.util.TimeZone zone = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Asia/Kolkata")); // pgjdbc sends TimeZone
        try {
            try (Connection c = harness.connect("startup-jdbc", List.of("agents"), properties)) {
                through = probe(c);
            }
            Properties direct = new Properties();
            direct.setProperty("user", "app");
            direct.setProperty("password", harness.databasePassword());
            properties.forEach(direct::setProperty);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                    + harness.database().port() + "/orders", direct)) {
                assertThat(through).isEqualTo(probe(c));
            }
        } finally {
            java.util.TimeZone.setDefault(zone);
            if (previous != null) {
                System.setProperty("user.timezone", previous);
            }
        }
        assertThat(through).contains("jdbc-report", "Asia/Kolkata", "postgres_verbose", "9MB");
    }

    @Test
    void aSettingThePolicyDeniesRefusesTheSessionWith42501AndIsAudited() throws Exception {
        String subject = "startup-denied";
        Cli.Result result = psqlThrough(Map.of("PGOPTIONS", "-c statement_timeout=0"), subject, "-c", "SELECT 1");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("denied by Sluice policy rule \"no-statement-timeout-off\"")
                .contains("statement_timeout stays as configured");
        List<AuditRecord> statements = poll(() -> harness.audit(AuditQuery.all().withSubject(subject)
                .withKind("command")));
        assertThat(statements).singleElement().satisfies(r -> {
            assertThat(r.statement()).isEqualTo("SET \"statement_timeout\" = '0'");
            assertThat(r.verdict()).isEqualTo("deny");
            assertThat(r.details().get("rule")).isEqualTo("no-statement-timeout-off");
        });
        assertThat(poll(() -> harness.audit(AuditQuery.all().withSubject(subject).withKind("session.end"))))
                .singleElement().satisfies(r -> assertThat(r.toString()).contains("startup parameter refused"));
        // the same setting in a top-level key (PGTZ-style) is judged the same way
        assertThatThrownBy(() -> PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"),
                Map.of("statement_timeout", "0")).close()).isInstanceOf(Exception.class);
        assertThat(harness.audit(AuditQuery.all().withSubject(subject).withKind("command"))).hasSize(2);
    }

    @Test
    void unsafeStartupParametersAreRefusedWhateverThePolicySays() throws Exception {
        String subject = "startup-unsafe";
        String token = harness.token(subject, "agents");
        List<Map<String, String>> unsafe = List.of(Map.of("role", "postgres"),
                Map.of("session_authorization", "postgres"), Map.of("Role", "postgres"),
                Map.of("replication", "database"), Map.of("options", "-c role=postgres"),
                Map.of("options", "--session-authorization=postgres"), Map.of("options", "-O"),
                Map.of("options", "-c replication=true"), Map.of("options", "-c work_mem"),
                Map.of("options", "-c"), Map.of("options", "-c session_preload_libraries=/tmp/evil.so"),
                Map.of("local_preload_libraries", "evil"));
        for (Map<String, String> parameters : unsafe) {
            assertThatThrownBy(() -> PolicyWireClient.connect(harness.port(), token, parameters).close())
                    .as(parameters.toString()).isInstanceOf(Exception.class);
        }
        List<AuditRecord> refused = harness.audit(AuditQuery.all().withSubject(subject).withKind("command"));
        assertThat(refused).hasSize(unsafe.size()).allMatch(r -> r.verdict().equals("deny"));
        assertThat(refused.toString()).contains("changes who the session acts as", "replication connections run no SQL",
                "the startup option -O is not passed on", "has no value", "loads code as the session starts");
        // nothing ran as another role, and no upstream session was opened for them
        assertThat(PolicyE2EFixture.holds(harness, "select count(*) = 0 from pg_stat_activity"
                + " where usename = 'app' and backend_type = 'walsender'")).isTrue();
    }

    @Test
    void aStartupSettingCannotSmuggleASecondStatement() throws Exception {
        String subject = "startup-smuggle";
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"),
                Map.of("application_name", "x'; DROP TABLE t; --", "search_path", "\"a\"\"b\", public"))) {
            client.send(new dev.sluice.postgres.wire.FrontendMessage.Query(
                    "SELECT current_setting('application_name'), current_setting('search_path')"));
            assertThat(client.untilReady().toString()).contains("DataRow");
        }
    }

    @Test
    void onADefaultDenyConnectionDriverSettingsStillPassButOtherSettingsNeedARule() throws Exception {
        String policies = """
                policies:
                  - name: agents-read
                    connections: [orders]
                    groups: [agents]
                    allow:
                      kinds: [SELECT]
                """;
        java.nio.file.Files.writeString(harness.configFile(), harness.config(policies)
                .replace("    tls:\n      mode: disable", "    default: deny\n    tls:\n      mode: disable"));
        assertThat(harness.gateway().reload()).isTrue();
        try {
            Cli.Result formatted = psqlThrough(Map.of("PGDATESTYLE", "German", "PGTZ", "Europe/Berlin"),
                    "startup-default-deny", "-c", "SELECT timestamptz '2024-03-05 14:30:00+00'");
            assertThat(formatted.exitCode()).as(formatted.stderr()).isZero();
            assertThat(formatted.stdout().strip()).isEqualTo("05.03.2024 15:30:00 CET");
            // pgjdbc sends TimeZone, DateStyle, extra_float_digits=3 and application_name at startup (with
            // assumeMinServerVersion 9.0; without, it sends SET statements after connecting, judged as such)
            try (Connection c = harness.connect("startup-default-deny-jdbc", List.of("agents"),
                    Map.of("assumeMinServerVersion", "9.0"));
                 Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
                assertThat(r.next()).isTrue();
            }
            Cli.Result other = psqlThrough(Map.of("PGOPTIONS", "-c work_mem=8MB"), "startup-default-deny",
                    "-c", "SELECT 1");
            assertThat(other.exitCode()).isNotZero();
            assertThat(other.stderr()).contains("no rule allows SET and connection 'orders' denies by default");
        } finally {
            harness.writeConfig("""
                    policies:
                      - name: no-statement-timeout-off
                        connections: [orders]
                        groups: [agents]
                        deny:
                          when: "command.kind == 'SET' && command.text.contains('statement_timeout')"
                          reason: statement_timeout stays as configured
                    """);
            assertThat(harness.gateway().reload()).isTrue();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static List<String> probe(Connection c) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(PROBE)) {
            r.next();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                values.add(r.getString(i));
            }
            values.add(String.valueOf(r.getTimestamp(1).getTime()));
            values.add(String.valueOf(r.getDate(3)));
        }
        return values;
    }

    private static Cli.Result psqlThrough(Map<String, String> env, String subject, String... args) {
        Map<String, String> all = new HashMap<>(env);
        all.put("PGPASSWORD", harness.token(subject, "agents"));
        all.put("PGCONNECT_TIMEOUT", "10");
        return psql(all, harness.conninfo("agent"), args);
    }

    private static Cli.Result psqlDirect(Map<String, String> env, String... args) {
        Map<String, String> all = new HashMap<>(env);
        all.put("PGPASSWORD", harness.databasePassword());
        return psql(all, "host=127.0.0.1 port=" + harness.database().port() + " dbname=orders user=app", args);
    }

    private static Cli.Result psql(Map<String, String> env, String conninfo, String... args) {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-At", "-d", conninfo));
        command.addAll(List.of(args));
        return Cli.run(env, Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    private static List<AuditRecord> poll(java.util.function.Supplier<List<AuditRecord>> query)
            throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<AuditRecord> result = query.get();
            if (!result.isEmpty() || System.nanoTime() > deadline) {
                return result;
            }
            Thread.sleep(50);
        }
    }
}
