package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Just-in-time approvals end to end: real PostgreSQL, real OIDC tokens, pgjdbc (extended protocol) and psql (simple
 * protocol) through Sluice, decisions over the real REST API, and a real webhook receiver.
 */
class ApprovalsEndToEndTest {
    private static final String SECRET = "hook-secret-for-tests";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpServer receiver;
    private static final ConcurrentLinkedQueue<String[]> hooks = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger hookCalls = new AtomicInteger();
    private static GatewayHarness harness;
    private static ApprovalsClient api;
    private static final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            // The first delivery fails: the notifier must retry.
            int status = hookCalls.incrementAndGet() == 1 ? 503 : 200;
            if (status == 200) {
                hooks.add(new String[] {exchange.getRequestHeaders().getFirst("X-Sluice-Signature"),
                    new String(body, StandardCharsets.UTF_8)});
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        harness = GatewayHarness.start("""
                policies:
                  - name: deletes-need-sre
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [items]
                      approvers: [sre]
                  - name: quick-deletes
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [quick]
                      approvers: [sre]
                      expires: 2s
                  - name: pair-deletes
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [pairs]
                      approvers: [sre]
                      approvals-required: 2
                approvals:
                  notify:
                    - type: webhook
                      url: http://127.0.0.1:%d/hook
                      secret: %s
                  access:
                    approvers: [sre]
                """.formatted(receiver.getAddress().getPort(), SECRET));
        api = new ApprovalsClient(harness.gateway().httpPort());
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            for (String table : List.of("items", "quick", "pairs")) {
                s.execute("CREATE TABLE " + table + " (id int primary key)");
                s.execute("INSERT INTO " + table + " SELECT generate_series(1, 100)");
                s.execute("ALTER TABLE " + table + " OWNER TO app");
            }
        }
    }

    @AfterAll
    static void stop() {
        clients.shutdownNow();
        if (harness != null) {
            harness.close();
        }
        receiver.stop(0);
    }

    private static String sre(String who) {
        return harness.token(who, "sre");
    }

    private static boolean exists(String table, int id) throws SQLException {
        try (Connection c = harness.direct(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + table + " WHERE id = " + id)) {
            r.next();
            return r.getInt(1) == 1;
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
        return api.awaitPending(sre("watcher"), r -> r.path("requester").path("subject").asText().equals(subject)
                && r.path("statement").asText().contains(text), WAIT);
    }

    @Test
    void heldDeleteRunsOnceAnotherSreMemberApprovesItOverTheApi() throws Exception {
        try (Connection agent = harness.connect("agent-approve", "agents")) {
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 1");
            JsonNode request = pending("agent-approve", "id = 1");
            assertThat(request.path("rule").asText()).isEqualTo("deletes-need-sre");
            assertThat(request.path("connection").asText()).isEqualTo("orders");
            assertThat(exists("items", 1)).as("held, not forwarded").isTrue();
            assertThat(delete.isDone()).isFalse();

            ApprovalsClient.Answer approved = api.post("/api/approvals/" + request.path("id").asText() + "/approve",
                    sre("bob"), "{\"reason\": \"checked the ticket\"}");

            assertThat(approved.status()).isEqualTo(200);
            assertThat(approved.body().path("state").asText()).isEqualTo("approved");
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(exists("items", 1)).isFalse();
            // the connection stays usable
            try (Statement s = agent.createStatement();
                 ResultSet r = s.executeQuery("SELECT count(*) FROM items WHERE id = 1")) {
                r.next();
                assertThat(r.getInt(1)).isZero();
            }
            String id = request.path("id").asText();
            List<AuditRecord> events = harness.audit(AuditQuery.all().withSubject("agent-approve"));
            assertThat(events).extracting(AuditRecord::kind).contains("approval.request", "approval.decision",
                    "approval.executed", "command.result");
            assertThat(events).filteredOn(e -> e.kind().equals("approval.decision"))
                    .anySatisfy(e -> assertThat(e.details()).containsEntry("approver", "bob")
                            .containsEntry("approval_id", id).containsEntry("reason", "checked the ticket"));
        }
    }

    @Test
    void psqlIsToldItWaitsAndARejectionRefusesWith42501AndTheReason() throws Exception {
        String token = harness.token("agent-psql", "agents");
        Future<Cli.Result> psql = clients.submit(() -> harness.psql(token, "-c",
                "/* justification: INC-42 cleanup */ DELETE FROM items WHERE id = 2", "-c", "SELECT 'still usable'"));
        JsonNode request = pending("agent-psql", "id = 2");
        assertThat(request.path("justification").asText()).isEqualTo("INC-42 cleanup");

        ApprovalsClient.Answer rejected = api.post("/api/approvals/" + request.path("id").asText() + "/reject",
                sre("carol"), "{\"reason\": \"not during the freeze\"}");

        assertThat(rejected.status()).isEqualTo(200);
        assertThat(rejected.body().path("state").asText()).isEqualTo("rejected");
        Cli.Result result = psql.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(result.stderr()).contains("NOTICE:", "Sluice is holding this statement", request.path("id")
                .asText(), "sluice approve " + request.path("id").asText());
        assertThat(result.stderr()).contains("ERROR:", "rejected by carol: not during the freeze");
        assertThat(exists("items", 2)).isTrue();
        assertThat(api.post("/api/approvals/" + request.path("id").asText() + "/approve", sre("dave"), "").status())
                .as("already decided").isEqualTo(409);
    }

    @Test
    void rejectionReachesPgjdbcAsSqlState42501() throws Exception {
        try (Connection agent = harness.connect("agent-reject", "agents")) {
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 3");
            JsonNode request = pending("agent-reject", "id = 3");
            api.post("/api/approvals/" + request.path("id").asText() + "/reject", sre("carol"),
                    "{\"reason\": \"use the archive job\"}");
            assertThatThrownBy(() -> delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("use the archive job");
                    });
            assertThat(exists("items", 3)).isTrue();
            try (Statement s = agent.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
                assertThat(r.next()).isTrue();
            }
        }
    }

    @Test
    void requestThatNobodyDecidesExpiresAndIsRefused() throws Exception {
        try (Connection agent = harness.connect("agent-expire", "agents")) {
            long start = System.nanoTime();
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM quick WHERE id = 1");
            // Waits for the refusal itself; the request is looked up afterwards, in any state: polling for it while
            // pending raced its 2 s life and lost when the first test of the class ran on a cold JVM at load ~20.
            assertThatThrownBy(() -> delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("expired");
                    });
            // not before the rule's 2 s, and by the rule's expiry, not the default hour
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1500), WAIT);
            JsonNode request = api.awaitPending(sre("watcher"), r -> r.path("requester").path("subject").asText()
                    .equals("agent-expire") && r.path("statement").asText().contains("quick"), WAIT, "all");
            assertThat(request.path("state").asText()).isEqualTo("expired");
            assertThat(exists("quick", 1)).isTrue();
        }
    }

    @Test
    void neitherTheRequesterNorTheHumanItActsForNorItsAgentMayApprove() throws Exception {
        String delegated = harness.oidc().delegatedToken(GatewayHarness.ISSUER_ID, "alice", "agent-bot",
                GatewayHarness.AUDIENCE, List.of("agents"));
        Properties properties = new Properties();
        properties.setProperty("user", "alice");
        properties.setProperty("password", delegated);
        try (Connection agent = DriverManager.getConnection(harness.jdbcUrl(), properties);
             Connection self = harness.connect("agent-self", "agents", "sre")) {
            Future<Integer> forAlice = deleteAsync(agent, "DELETE FROM items WHERE id = 4");
            Future<Integer> selfish = deleteAsync(self, "DELETE FROM items WHERE id = 5");
            JsonNode aliceRequest = pending("alice", "id = 4");
            JsonNode selfRequest = pending("agent-self", "id = 5");
            assertThat(aliceRequest.path("requester").path("actors")).extracting(JsonNode::asText)
                    .containsExactly("agent-bot");

            String aliceId = aliceRequest.path("id").asText();
            String selfId = selfRequest.path("id").asText();
            assertThat(api.post("/api/approvals/" + aliceId + "/approve", harness.token("alice", "sre"), "")
                    .status()).as("the human the agent acts for").isEqualTo(403);
            assertThat(api.post("/api/approvals/" + aliceId + "/approve", harness.token("agent-bot", "sre"), "")
                    .status()).as("the agent itself").isEqualTo(403);
            ApprovalsClient.Answer own = api.post("/api/approvals/" + selfId + "/approve",
                    harness.token("agent-self", "agents", "sre"), "");
            assertThat(own.status()).as("self-approval").isEqualTo(403);
            assertThat(own.body().path("error").asText()).contains("agent-self");
            assertThat(api.post("/api/approvals/" + selfId + "/approve", harness.token("mallory", "agents"), "")
                    .status()).as("not an approver").isEqualTo(403);

            api.post("/api/approvals/" + aliceId + "/reject", sre("bob"), "{\"reason\": \"no\"}");
            api.post("/api/approvals/" + selfId + "/reject", sre("bob"), "{\"reason\": \"no\"}");
            assertThatThrownBy(() -> forAlice.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> selfish.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOf(SQLException.class);
            assertThat(exists("items", 4)).isTrue();
            assertThat(exists("items", 5)).isTrue();
        }
    }

    @Test
    void twoDistinctApproversAreNeededWhenTheRuleAsksForTwo() throws Exception {
        try (Connection agent = harness.connect("agent-pairs", "agents")) {
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM pairs WHERE id = 1");
            String id = pending("agent-pairs", "pairs").path("id").asText();

            ApprovalsClient.Answer first = api.post("/api/approvals/" + id + "/approve", sre("bob"), "");
            assertThat(first.body().path("state").asText()).isEqualTo("pending");
            assertThat(first.body().path("approvals").asInt()).isEqualTo(1);
            assertThat(api.post("/api/approvals/" + id + "/approve", sre("bob"), "").status())
                    .as("the same approver twice").isEqualTo(409);
            Thread.sleep(500); // the statement must still be held after one approval
            assertThat(delete.isDone()).isFalse();
            assertThat(exists("pairs", 1)).isTrue();

            ApprovalsClient.Answer second = api.post("/api/approvals/" + id + "/approve", sre("carol"), "");
            assertThat(second.body().path("state").asText()).isEqualTo("approved");
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(exists("pairs", 1)).isFalse();
        }
    }

    @Test
    void preparedStatementIsHeldAtExecuteAndRunsWithItsParameters() throws Exception {
        try (Connection agent = harness.connect("agent-prepared", "agents");
             PreparedStatement delete = agent.prepareStatement("DELETE FROM items WHERE id = ?")) {
            delete.setInt(1, 6);
            Future<Integer> run = clients.submit(() -> delete.executeUpdate());
            String id = pending("agent-prepared", "id = $1").path("id").asText();
            api.post("/api/approvals/" + id + "/approve", sre("bob"), "");
            assertThat(run.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(exists("items", 6)).isFalse();
        }
    }

    @Test
    void clientDisconnectWithdrawsTheRequest() throws Exception {
        Connection agent = harness.connect("agent-gone", "agents");
        Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 7");
        String id = pending("agent-gone", "id = 7").path("id").asText();

        agent.abort(Runnable::run);

        assertThat(api.awaitState(id, sre("x"), "withdrawn", WAIT)).isPresent();
        assertThatThrownBy(() -> delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(api.post("/api/approvals/" + id + "/approve", sre("bob"), "").status()).isEqualTo(409);
        assertThat(exists("items", 7)).isTrue();
        assertThat(harness.audit(AuditQuery.all().withSubject("agent-gone").withKind("approval.withdrawn")))
                .hasSize(1);
    }

    @Test
    void cancelWithdrawsTheRequestAndAnswers57014() throws Exception {
        try (Connection agent = harness.connect("agent-cancel", "agents"); Statement statement =
                agent.createStatement()) {
            Future<Integer> delete = clients.submit(() -> statement.executeUpdate("DELETE FROM items WHERE id = 8"));
            String id = pending("agent-cancel", "id = 8").path("id").asText();

            statement.cancel();

            assertThatThrownBy(() -> delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            assertThat(api.get("/api/approvals/" + id, sre("x")).body().path("state").asText())
                    .isEqualTo("withdrawn");
            try (Statement s = agent.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
                assertThat(r.next()).isTrue();
            }
        }
    }

    @Test
    void webhookReceivesTheRequestSignedWithTheConfiguredSecretAfterARetry() throws Exception {
        try (Connection agent = harness.connect("agent-hook", "agents")) {
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 9");
            String id = pending("agent-hook", "id = 9").path("id").asText();
            String[] hook = null;
            for (int i = 0; i < 200 && hook == null; i++) {
                hook = hooks.stream().filter(h -> h[1].contains(id)).findFirst().orElse(null);
                Thread.sleep(50); // the delivery is asynchronous
            }
            assertThat(hook).as("webhook delivered").isNotNull();
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(hook[1].getBytes(
                    StandardCharsets.UTF_8)));
            assertThat(hook[0]).isEqualTo(expected);
            JsonNode body = JSON.readTree(hook[1]);
            assertThat(body.path("event").asText()).isEqualTo("approval.requested");
            assertThat(body.path("approval").path("links").path("approve").asText()).endsWith(id + "/approve");
            api.post("/api/approvals/" + id + "/reject", sre("bob"), "{\"reason\": \"test\"}");
            assertThatThrownBy(() -> delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
            assertThat(harness.audit(AuditQuery.all().withSubject("agent-hook").withKind("approval.notify")))
                    .anySatisfy(e -> assertThat(e.details()).containsEntry("delivered", true));
            // the receiver failed its very first delivery (whichever request that was): it was retried
            assertThat(harness.audit(AuditQuery.all().withKind("approval.notify")))
                    .anySatisfy(e -> assertThat(e.details()).containsEntry("delivered", true)
                            .containsEntry("attempts", 2L));
        }
    }

    @Test
    void aDecisionThroughAnotherInstanceSharingTheStoreReleasesTheHeldStatement() throws Exception {
        try (Gateway replica = Gateway.start(harness.configFile(), java.time.Clock.systemUTC());
             Connection agent = harness.connect("agent-replica", "agents")) {
            ApprovalsClient other = new ApprovalsClient(replica.httpPort());
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 10");
            String id = pending("agent-replica", "id = 10").path("id").asText();

            assertThat(other.post("/api/approvals/" + id + "/approve", sre("bob"), "").status()).isEqualTo(200);
            // Waits for the release itself, not for a wall-clock bound (a 1 s bound failed at load average ~20): the
            // request expires in an hour and no local decision wakes this instance, so only its poll of the shared
            // store can have released the statement within WAIT.
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(exists("items", 10)).isFalse();
            assertThat(api.get("/api/approvals/" + id, sre("x")).body().path("state").asText())
                    .isEqualTo("approved");
        }
    }

    @Test
    void accessGrantLetsAnOutsiderConnectUntilItExpiresThenEndsItsSession() throws Exception {
        assertThatThrownBy(() -> harness.connect("contractor-1", "contractors").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        String token = harness.token("contractor-1", "contractors");
        ApprovalsClient.Answer created = api.post("/api/access-requests", token,
                "{\"connection\": \"orders\", \"duration\": \"3s\", \"reason\": \"INC-7 repair\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("kind").asText()).isEqualTo("access");
        String id = created.body().path("id").asText();
        assertThat(api.post("/api/approvals/" + id + "/approve", harness.token("contractor-1", "contractors", "sre"),
                "").status()).as("self-approval").isEqualTo(403);
        assertThat(api.post("/api/approvals/" + id + "/approve", sre("bob"), "").body().path("state").asText())
                .isEqualTo("approved");

        try (Connection granted = harness.connect("contractor-1", "contractors")) {
            try (Statement s = granted.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
                assertThat(r.next()).isTrue();
            }
            SQLException ended = null;
            for (int i = 0; i < 100 && ended == null; i++) {
                Thread.sleep(100); // waiting for the 3 s grant to run out
                try (Statement s = granted.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
                    r.next();
                } catch (SQLException e) {
                    ended = e;
                }
            }
            assertThat((Object) ended).as("the open session is ended when the grant expires").isNotNull();
        }
        assertThatThrownBy(() -> harness.connect("contractor-1", "contractors").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        assertThat(harness.audit(AuditQuery.all().withSubject("contractor-1").withKind("session.end")))
                .anySatisfy(e -> assertThat(e.details().get("reason").toString()).contains("expired"));
    }

    private record CliRun(int code, String out, String err) {
    }

    private static CliRun cli(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine command = SluiceCli.commandLine();
        command.setOut(new java.io.PrintWriter(out, true));
        command.setErr(new java.io.PrintWriter(err, true));
        int code = command.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    @Test
    void theCliListsAndApprovesAgainstTheRunningGateway() throws Exception {
        String url = "http://127.0.0.1:" + harness.gateway().httpPort();
        try (Connection agent = harness.connect("agent-cli", "agents")) {
            Future<Integer> delete = deleteAsync(agent, "DELETE FROM items WHERE id = 11");
            String id = pending("agent-cli", "id = 11").path("id").asText();

            CliRun list = cli("approvals", "list", "--url", url, "--token", sre("bob"));
            assertThat(list.code()).isZero();
            assertThat(list.out()).contains(id, "agent-cli", "deletes-need-sre", "DELETE FROM items WHERE id = 11");
            CliRun self = cli("approve", id, "--url", url, "--token", harness.token("agent-cli", "agents", "sre"));
            assertThat(self.code()).isEqualTo(1);
            assertThat(self.err()).contains("HTTP 403");
            assertThat(cli("reject", id, "--url", url, "--token", sre("bob")).code()).as("--reason is required")
                    .isEqualTo(2);
            CliRun approved = cli("approve", id, "--reason", "fine", "--url", url, "--token", sre("bob"));
            assertThat(approved.code()).isZero();
            assertThat(approved.out()).contains(id, "approved");
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        }
        CliRun access = cli("access", "request", "--connection", "orders", "--duration", "1h", "--reason", "INC-9",
                "--url", url, "--token", harness.token("contractor-2", "contractors"));
        assertThat(access.code()).isZero();
        assertThat(access.out()).contains("pending", "contractor-2", "approve with: sluice approve ap-");
        assertThat(cli("approvals", "list", "--url", url, "--token", "").err()).contains("no token");
    }

    @Test
    void theApiAnswers401WithoutAToken404ForAnUnknownIdAndServesItsOpenApiDocument() throws Exception {
        assertThat(api.get("/api/approvals", "").status()).isEqualTo(401);
        assertThat(api.get("/api/approvals", "not-a-jwt").body().path("error").asText()).startsWith("invalid token");
        ApprovalsClient.Answer unknown = api.post("/api/approvals/ap-0000/approve", sre("bob"), "");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().path("error").asText()).contains("ap-0000");
        assertThat(api.get("/api/approvals?state=bogus", sre("bob")).status()).isEqualTo(400);
        var openApi = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + harness.gateway().httpPort() + "/api/openapi.yaml"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(openApi.statusCode()).isEqualTo(200);
        assertThat(openApi.body()).contains("openapi: 3.0.3", "/api/approvals/{id}/approve");
    }
}
