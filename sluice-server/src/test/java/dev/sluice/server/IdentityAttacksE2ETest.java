package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.testing.Cli;

/**
 * Issue 9, classes 9 and 10, as an agent (or a colleague) holding valid tokens would try them, end to end: real
 * PostgreSQL, two issuers of a real OIDC provider, pgjdbc and psql through Sluice, decisions over the REST API. Each
 * attack checks the client's output, the audit trail and the database.
 */
class IdentityAttacksE2ETest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String OTHER = "other";
    private static GatewayHarness harness;
    private static ApprovalsClient api;
    private static final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start(oidc -> """
                    - issuer: %s
                      audience: sluice
                      groups-claim: groups
                  session-grace: 1s
                """.formatted(oidc.issuer(OTHER)), oidc -> """
                policies:
                  - name: deletes-need-sre
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [items]
                      approvers: [sre]
                  - name: carol-decides-pairs
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [pairs]
                      approvers: ["subject:%s#carol"]
                      scope: duration
                      expires: 2m
                """.formatted(oidc.issuer(GatewayHarness.ISSUER_ID)));
        api = new ApprovalsClient(harness.gateway().httpPort());
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            for (String table : List.of("items", "pairs")) {
                s.execute("CREATE TABLE " + table + " (id int primary key)");
                s.execute("INSERT INTO " + table + " SELECT generate_series(1, 100)");
                s.execute("ALTER TABLE " + table + " OWNER TO app");
            }
            s.execute("CREATE TABLE ticks (who text, at timestamptz DEFAULT clock_timestamp())");
            s.execute("ALTER TABLE ticks OWNER TO app");
        }
    }

    @AfterAll
    static void stop() {
        clients.shutdownNow();
        if (harness != null) {
            harness.close();
        }
    }

    private static String token(String issuerId, String subject, Duration ttl, String... groups) {
        return harness.oidc().userToken(issuerId, subject, GatewayHarness.AUDIENCE, List.of(groups), ttl);
    }

    private static Connection connect(String user, String token, String application) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", token);
        properties.setProperty("ApplicationName", application);
        return DriverManager.getConnection(harness.jdbcUrl(), properties);
    }

    private static boolean exists(String table, int id) throws SQLException {
        try (Connection c = harness.direct(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + table + " WHERE id = " + id)) {
            r.next();
            return r.getInt(1) == 1;
        }
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = harness.direct(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static Future<Integer> deleteAsync(Connection connection, String sql) {
        return clients.submit(() -> {
            try (Statement s = connection.createStatement()) {
                return s.executeUpdate(sql);
            }
        });
    }

    private static JsonNode pending(String subject, String text) throws Exception {
        return pending(token(GatewayHarness.ISSUER_ID, "watcher", Duration.ofMinutes(10), "sre"), subject, text);
    }

    /** The pending request of {@code subject} for {@code text}, as {@code watcher} (who must be able to see it). */
    private static JsonNode pending(String watcher, String subject, String text) throws Exception {
        return api.awaitPending(watcher, r -> r.path("requester").path("subject").asText().equals(subject)
                && r.path("statement").asText().contains(text), WAIT);
    }

    private static ApprovalsClient.Answer approve(JsonNode request, String token) throws Exception {
        return api.post("/api/approvals/" + request.path("id").asText() + "/approve", token, "{\"reason\": \"ok\"}");
    }

    // ---- class 10: tokens ----

    @Test
    void aFiveSecondTokensSessionEndsWithinItsGraceWhileAQueryLoopRuns() throws Exception {
        Instant minted = Instant.now();
        String token = token(GatewayHarness.ISSUER_ID, "short-lived", Duration.ofSeconds(5), "agents");
        Instant ended;
        SQLException refused = null;
        try (Connection c = connect("short-lived", token, "token-loop"); Statement s = c.createStatement()) {
            while (true) {
                try {
                    s.execute("INSERT INTO ticks (who) VALUES ('short-lived')");
                } catch (SQLException e) {
                    refused = e;
                    break;
                }
                assertThat(Duration.between(minted, Instant.now())).as("the session outlived its token")
                        .isLessThan(Duration.ofSeconds(20));
                Thread.sleep(100); // the agent's query loop
            }
            ended = Instant.now();
        }
        Duration lived = Duration.between(minted, ended);
        assertThat(refused.getSQLState()).isEqualTo("57P01");
        assertThat(refused.getMessage()).contains("token expired", "reconnect with a new token");
        assertThat(lived).as("ended at exp (5s) + grace (1s)").isBetween(Duration.ofSeconds(5),
                Duration.ofSeconds(5 + 1 + 3));
        // the database: inserts ran until the token expired, none after exp + grace
        assertThat(count("SELECT count(*) FROM ticks WHERE who = 'short-lived'")).isGreaterThan(10);
        assertThat(count("SELECT count(*) FROM ticks WHERE who = 'short-lived' AND at > '"
                + minted.plusSeconds(5 + 1).plusMillis(500) + "'")).as("nothing ran after the deadline").isZero();
        awaitNoUpstream("token-loop");
        // the trail: session.end with the reason
        assertThat(awaitEnd("short-lived").details().get("reason")).asString().startsWith("token expired at ")
                .contains("session grace 1s");
    }

    @Test
    void psqlIsToldItsSessionEndedWhenItsTokenExpiresMidStatement() throws Exception {
        String token = token(GatewayHarness.ISSUER_ID, "short-psql", Duration.ofSeconds(3), "agents");
        Cli.Result result = harness.psql(token, "-c", "SELECT 1", "-c", "SELECT pg_sleep(8)", "-c",
                "INSERT INTO ticks (who) VALUES ('short-psql')");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("FATAL", "token expired");
        assertThat(count("SELECT count(*) FROM ticks WHERE who = 'short-psql'")).as("the later insert never ran")
                .isZero();
        assertThat(awaitEnd("short-psql").details().get("reason")).asString().startsWith("token expired");
    }

    @Test
    void anIdleRawClientIsToldFatal57P01WhenItsTokenExpires() throws Exception {
        Instant minted = Instant.now();
        String token = token(GatewayHarness.ISSUER_ID, "short-idle", Duration.ofSeconds(3), "agents");
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), token)) {
            List<BackendMessage> first = client.run("", "SELECT 1").send(PolicyWireClient.sync()).untilReady();
            assertThat(PolicyWireClient.errors(first)).isEmpty();
            BackendMessage told = client.next(); // idle: nothing sent, yet told
            Duration after = Duration.between(minted, Instant.now());
            assertThat(told).isInstanceOfSatisfying(BackendMessage.ErrorResponse.class, e -> {
                assertThat(e.fields()).containsEntry('S', "FATAL").containsEntry('C', "57P01");
                assertThat(e.fields().get('M')).startsWith("token expired at ");
            });
            assertThat(after).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(3 + 1 + 3));
            assertThatThrownBy(() -> client.run("", "SELECT 2").send(PolicyWireClient.sync()).untilReady())
                    .as("the session is closed").isInstanceOf(java.io.IOException.class);
        }
        assertThat(awaitEnd("short-idle").details().get("reason")).asString().startsWith("token expired");
        assertThat(harness.audit(AuditQuery.all().withSubject("short-idle"))).filteredOn(r -> r.kind()
                .equals("command")).extracting(AuditRecord::statement).containsExactly("SELECT 1");
    }

    @Test
    void aTokenValidForAMillenniumIsRefusedWith28P01() throws Exception {
        String millennium = token(GatewayHarness.ISSUER_ID, "forever", Duration.ofDays(365_000), "agents");
        assertThatThrownBy(() -> connect("forever", millennium, "forever").close())
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("exceeds this issuer's max-token-lifetime of 24h");
                });
        Cli.Result psql = harness.psql(millennium, "-c", "INSERT INTO ticks (who) VALUES ('forever')");
        assertThat(psql.exitCode()).isNotZero();
        assertThat(psql.stderr()).contains("max-token-lifetime");
        assertThat(count("SELECT count(*) FROM ticks WHERE who = 'forever'")).isZero();
        List<AuditRecord> failures = harness.audit(AuditQuery.all()).stream()
                .filter(r -> r.kind().equals("auth.failure") && r.error().contains("max-token-lifetime")).toList();
        assertThat(failures).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(r -> assertThat(r.error()).contains("token lifetime 365000d"));
        // a day-long token is still fine
        try (Connection c = connect("daylong", token(GatewayHarness.ISSUER_ID, "daylong", Duration.ofHours(23),
                "agents"), "daylong"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ticks (who) VALUES ('daylong')");
        }
        assertThat(count("SELECT count(*) FROM ticks WHERE who = 'daylong'")).isEqualTo(1);
    }

    // ---- class 9: identity confusion ----

    @Test
    void aSubjectNamedSreCannotApproveAsTheSreGroup() throws Exception {
        try (Connection agent = connect("agent-sre", token(GatewayHarness.ISSUER_ID, "agent-sre",
                Duration.ofMinutes(10), "agents"), "agent-sre")) {
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 1");
            JsonNode request = pending("agent-sre", "id = 1");

            ApprovalsClient.Answer bySubject = approve(request, token(GatewayHarness.ISSUER_ID, "sre",
                    Duration.ofMinutes(10)));
            ApprovalsClient.Answer bySubjectOther = approve(request, token(OTHER, "sre", Duration.ofMinutes(10)));

            assertThat(bySubject.status()).isEqualTo(403);
            assertThat(bySubject.body().path("error").asText()).contains("is not an approver");
            assertThat(bySubjectOther.status()).isEqualTo(403);
            assertThat(exists("items", 1)).as("still held").isTrue();
            assertThat(delete.isDone()).isFalse();
            // a member of the group may
            assertThat(approve(request, token(GatewayHarness.ISSUER_ID, "bob", Duration.ofMinutes(10), "sre"))
                    .status()).isEqualTo(200);
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(exists("items", 1)).isFalse();
            assertThat(harness.audit(AuditQuery.all().withSubject("agent-sre"))).filteredOn(r -> r.kind()
                    .equals("approval.decision")).extracting(r -> r.details().get("approver")).containsExactly("bob");
            assertThat(harness.audit(AuditQuery.all().withSubject("agent-sre"))).filteredOn(r -> r.kind()
                    .equals("approval.refused")).extracting(r -> r.details().get("caller"),
                    r -> r.details().get("caller_issuer")).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("sre", harness.oidc().issuer(GatewayHarness.ISSUER_ID)
                            .toString()), org.assertj.core.groups.Tuple.tuple("sre", harness.oidc().issuer(OTHER)
                            .toString()));
        }
    }

    @Test
    void aliceCannotApproveAlicesRequestWhateverTheCaseOrIssuer() throws Exception {
        try (Connection agent = connect("alice", token(GatewayHarness.ISSUER_ID, "alice", Duration.ofMinutes(10),
                "agents"), "alice")) {
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 2");
            JsonNode request = pending("alice", "id = 2");
            for (String[] who : new String[][] {{GatewayHarness.ISSUER_ID, "Alice"},
                {GatewayHarness.ISSUER_ID, "ALICE"}, {OTHER, "alice"}, {OTHER, "Alice"}}) {
                ApprovalsClient.Answer answer = approve(request, token(who[0], who[1], Duration.ofMinutes(10),
                        "sre"));
                assertThat(answer.status()).as(who[0] + "/" + who[1]).isEqualTo(403);
                assertThat(answer.body().path("error").asText()).contains("made by them or on their behalf");
            }
            assertThat(exists("items", 2)).isTrue();
            assertThat(delete.isDone()).isFalse();
            assertThat(api.post("/api/approvals/" + request.path("id").asText() + "/reject",
                    token(GatewayHarness.ISSUER_ID, "bob", Duration.ofMinutes(10), "sre"),
                    "{\"reason\": \"no\"}").status()).isEqualTo(200);
            assertThatThrownBy(() -> delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasMessageContaining(
                    "rejected by bob");
            assertThat(exists("items", 2)).isTrue();
            assertThat(harness.audit(AuditQuery.all().withSubject("alice"))).filteredOn(r -> r.kind()
                    .equals("approval.decision")).extracting(r -> r.details().get("approver")).containsExactly("bob");
            assertThat(harness.audit(AuditQuery.all().withSubject("alice"))).filteredOn(r -> r.kind()
                    .equals("approval.refused")).extracting(r -> r.details().get("caller")).containsExactlyInAnyOrder(
                    "Alice", "ALICE", "alice", "Alice");
        }
    }

    @Test
    void theSameSubjectOfAnotherIssuerIsAnotherIdentity() throws Exception {
        String aliceToken = token(GatewayHarness.ISSUER_ID, "pair-alice", Duration.ofMinutes(10), "agents");
        String otherAliceToken = token(OTHER, "pair-alice", Duration.ofMinutes(10), "agents");
        try (Connection alice = connect("pair-alice", aliceToken, "pair-alice");
             Connection otherAlice = connect("pair-alice", otherAliceToken, "pair-alice-other")) {
            Future<Integer> delete = deleteAsync(alice, "DELETE FROM pairs WHERE id = 1");
            String carol = token(GatewayHarness.ISSUER_ID, "carol", Duration.ofMinutes(10));
            JsonNode request = pending(carol, "pair-alice", "id = 1");
            // carol of the other issuer is not subject:DEFAULT#carol, even in the right group
            ApprovalsClient.Answer wrongCarol = approve(request, token(OTHER, "carol", Duration.ofMinutes(10),
                    "sre", "carol"));
            assertThat(wrongCarol.status()).isEqualTo(403);
            assertThat(exists("pairs", 1)).isTrue();
            assertThat(approve(request, carol).status()).isEqualTo(200);
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(harness.audit(AuditQuery.all().withSubject("pair-alice"))).filteredOn(r -> r.kind()
                    .equals("approval.decision")).singleElement().satisfies(r -> assertThat(r.details())
                    .containsEntry("approver", "carol").containsEntry("approver_issuer", harness.oidc()
                            .issuer(GatewayHarness.ISSUER_ID).toString()));

            // the duration approval is a grant to (default issuer, pair-alice): the same shape runs at once for her
            try (Statement s = alice.createStatement()) {
                assertThat(s.executeUpdate("DELETE FROM pairs WHERE id = 2")).isEqualTo(1);
            }
            // ...and is held for the subject of the same name from the other issuer
            Future<Integer> other = deleteAsync(otherAlice, "DELETE FROM pairs WHERE id = 3");
            JsonNode held = pending(carol, "pair-alice", "id = 3");
            assertThat(held.path("requester").path("issuer").asText()).isEqualTo(harness.oidc().issuer(OTHER)
                    .toString());
            assertThat(exists("pairs", 3)).isTrue();
            assertThat(api.post("/api/approvals/" + held.path("id").asText() + "/reject", carol,
                    "{\"reason\": \"who?\"}").status()).isEqualTo(200);
            assertThatThrownBy(() -> other.get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasMessageContaining("who?");
            assertThat(exists("pairs", 2)).isFalse();
            assertThat(exists("pairs", 3)).isTrue();
        }
    }

    /** The session.end of {@code subject}'s only session, once recorded (after the client was told). */
    private static AuditRecord awaitEnd(String subject) throws Exception {
        Instant deadline = Instant.now().plusSeconds(10);
        while (true) {
            List<AuditRecord> ends = harness.audit(AuditQuery.all().withSubject(subject)).stream()
                    .filter(r -> r.kind().equals("session.end")).toList();
            if (!ends.isEmpty() || Instant.now().isAfter(deadline)) {
                assertThat(ends).hasSize(1);
                return ends.getFirst();
            }
            Thread.sleep(100); // the end is recorded just after the client is told
        }
    }

    private static void awaitNoUpstream(String application) throws Exception {
        Instant deadline = Instant.now().plusSeconds(10);
        while (count("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + application + "'") > 0) {
            assertThat(Instant.now()).as("the upstream session of " + application + " is gone").isBefore(deadline);
            Thread.sleep(100); // polling the real server
        }
    }

}
