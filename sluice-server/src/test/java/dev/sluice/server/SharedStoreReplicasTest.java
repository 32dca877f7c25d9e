package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.PostgresServer;

/**
 * Two Sluice replicas, A (the harness) and B, on one PostgreSQL store: they share approvals and grants, the query
 * API, recordings and the sessions list, not only the audit trail.
 */
class SharedStoreReplicasTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static PostgresServer store;
    private static GatewayHarness harness;
    private static Gateway replicaB;
    private static Path configB;
    private static ApprovalsClient apiA;
    private static ApprovalsClient apiB;
    private static final String SAML_ENTITY = "https://sluice.test/saml";
    private static final java.net.http.HttpClient BROWSER = java.net.http.HttpClient.newBuilder()
            .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
    private static SamlTestIdp idp;
    private static final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws Exception {
        store = PostgresServer.start();
        store.createUser("sluice_store", "store-pw", false);
        store.createDatabase("sluice");
        store.execute("postgres", "ALTER DATABASE sluice OWNER TO sluice_store");
        store.execute("sluice", "ALTER SCHEMA public OWNER TO sluice_store");
        Path key = Files.createTempDirectory("sluice-replicas-key-").resolve("audit.key");
        String shared = """
                audit:
                  store: postgres
                  url: %s
                  user: sluice_store
                  password: store-pw
                  signing-key: %s
                api:
                  auditor-groups: [auditors]
                console:
                  public-url: https://sluice.test
                policies:
                  - name: deletes-need-sre
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [items]
                      approvers: [sre]
                """.formatted(store.jdbcUrl("sluice"), key);
        idp = SamlTestIdp.start(Files.createTempDirectory("sluice-replicas-saml-"), SAML_ENTITY);
        harness = GatewayHarness.start(oidc -> """
                  people:
                    saml:
                      idp-metadata: %s
                      entity-id: %s
                      groups-attribute: groups
                """.formatted(idp.metadataFile(), SAML_ENTITY), oidc -> shared, false);
        configB = harness.replicaConfig(shared);
        replicaB = Gateway.start(configB, Clock.systemUTC());
        apiA = new ApprovalsClient(harness.gateway().httpPort());
        apiB = new ApprovalsClient(replicaB.httpPort());
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int primary key)");
            s.execute("INSERT INTO items SELECT generate_series(1, 10)");
            s.execute("ALTER TABLE items OWNER TO app");
        }
    }

    @AfterAll
    static void stop() {
        clients.shutdownNow();
        if (replicaB != null) {
            replicaB.close();
        }
        if (harness != null) {
            harness.close();
        }
        store.close();
        if (idp != null) {
            idp.close();
        }
    }

    /**
     * Signs alice in to the console: the sign-in begins on the replica at {@code begin} and the IdP's answer reaches
     * the one at {@code finish} (both behind the public URL https://sluice.test); her session cookie.
     */
    private static String consoleSignIn(String begin, String finish) throws Exception {
        var begun = BROWSER.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(begin
                + "/console/login/saml")).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        var query = SamlTestIdp.query(java.net.URI.create(begun.headers().firstValue("Location").orElseThrow())
                .getRawQuery());
        String signin = begun.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(
                "sluice_signin=")).findFirst().orElseThrow().split(";")[0];
        String requestId = SamlTestIdp.authnRequest(query.get("SAMLRequest")).get("id");
        String xml = SamlTestIdp.text(idp.response(SamlTestIdp.claims(requestId, "https://sluice.test/console/saml/acs",
                SAML_ENTITY, "alice", java.util.List.of("auditors")), idp.keys().getPrivate()));
        String form = "SAMLResponse=" + java.net.URLEncoder.encode(SamlTestIdp.base64(xml),
                java.nio.charset.StandardCharsets.UTF_8) + "&RelayState=" + java.net.URLEncoder.encode(
                query.get("RelayState"), java.nio.charset.StandardCharsets.UTF_8);
        var answer = BROWSER.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(finish
                + "/console/saml/acs")).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", signin).POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return answer.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("sluice_console=")
                && !c.startsWith("sluice_console=;")).findFirst().orElseThrow().split(";")[0];
    }

    private static java.util.List<String> consoleSessionIds() throws SQLException {
        java.util.List<String> result = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection(store.jdbcUrl("sluice"), "sluice_store", "store-pw");
             Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT id FROM console_session")) {
            while (rows.next()) {
                result.add(rows.getString(1));
            }
        }
        return result;
    }

    private static String sha256(String cookie) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(
                cookie.substring(cookie.indexOf('=') + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static java.net.http.HttpResponse<String> console(String base, String path, String cookie)
            throws Exception {
        return BROWSER.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
                .header("Cookie", cookie).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aConsoleSessionMadeOnReplicaAIsValidOnBAndSigningOutOnBEndsItOnBoth() throws Exception {
        String a = "http://127.0.0.1:" + harness.gateway().httpPort();
        String b = "http://127.0.0.1:" + replicaB.httpPort();
        String cookie = consoleSignIn(a, a);
        assertThat(console(a, "/console/api/me", cookie).body()).contains("\"subject\":\"alice\"");
        var me = console(b, "/console/api/me", cookie);
        assertThat(me.statusCode()).as("signed in on B without signing in there").isEqualTo(200);
        assertThat(me.body()).contains("\"subject\":\"alice\"", "auditors");
        var page = console(b, "/console/sessions", cookie);
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"")
                .matcher(page.body());
        assertThat(csrf.find()).isTrue();
        assertThat(consoleSessionIds()).as("the shared store keeps the cookie's hash, never the cookie")
                .contains(sha256(cookie)).doesNotContain(cookie.substring(cookie.indexOf('=') + 1));

        var forged = BROWSER.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(b + "/console/logout"))
                .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("csrf=wrong")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).as("no CSRF token, no sign-out").isEqualTo(403);
        assertThat(console(a, "/console/api/me", cookie).statusCode()).isEqualTo(200);

        var out = BROWSER.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(b + "/console/logout"))
                .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("csrf=" + csrf.group(1))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(out.statusCode()).isEqualTo(302);
        assertThat(console(b, "/console/api/me", cookie).statusCode()).as("ended on B").isEqualTo(401);
        assertThat(console(a, "/console/api/me", cookie).statusCode()).as("and on A").isEqualTo(401);
        assertThat(harness.audit(dev.sluice.core.audit.AuditQuery.all().withKind("console.signout")))
                .anySatisfy(e -> {
                    assertThat(e.subject()).isEqualTo("alice");
                    assertThat(e.details()).containsEntry("method", "saml").containsEntry("reason", "signed-out");
                });
        assertThat(consoleSessionIds()).as("deleted from the shared store").doesNotContain(sha256(cookie));
    }

    @Test
    void aConsoleSignInBegunOnReplicaAFinishesOnB() throws Exception {
        String a = "http://127.0.0.1:" + harness.gateway().httpPort();
        String b = "http://127.0.0.1:" + replicaB.httpPort();
        String cookie = consoleSignIn(a, b);
        assertThat(console(a, "/console/api/me", cookie).statusCode()).isEqualTo(200);
        assertThat(console(b, "/console/api/me", cookie).body()).contains("\"subject\":\"alice\"");
    }

    @Test
    void aDeleteHeldOnReplicaAIsReleasedWithinASecondOfItsApprovalThroughReplicaB() throws Exception {
        try (Connection agent = harness.connect("agent-held", "agents")) {
            Future<Integer> delete = clients.submit(() -> {
                try (Statement s = agent.createStatement()) {
                    return s.executeUpdate("DELETE FROM items WHERE id = 1");
                }
            });
            JsonNode request = apiB.awaitPending(harness.token("watcher", "sre"),
                    r -> r.path("requester").path("subject").asText().equals("agent-held"), WAIT);
            assertThat(delete.isDone()).as("held on A").isFalse();

            ApprovalsClient.Answer approved = apiB.post("/api/approvals/" + request.path("id").asText()
                    + "/approve", harness.token("bob", "sre"), "{\"reason\": \"via replica b\"}");
            long decided = System.nanoTime();

            assertThat(approved.status()).isEqualTo(200);
            assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - decided)).isLessThan(Duration.ofSeconds(1));
            assertThat(apiA.get("/api/approvals/" + request.path("id").asText(), harness.token("x", "sre"))
                    .body().path("state").asText()).isEqualTo("approved");
            try (Connection direct = harness.direct()) {
                assertThat(firstValue(direct, "SELECT count(*) FROM items WHERE id = 1")).isEqualTo("0");
            }
        }
    }

    @Test
    void theAuditApiOfReplicaBShowsTheEventsAndRecordingsOfReplicaA() throws Exception {
        try (Connection viaA = harness.connect("agent-only-a", "agents")) {
            assertThat(firstValue(viaA, "SELECT 'Written Through A'")).isEqualTo("Written Through A");
        }
        String auditor = harness.token("carol", "auditors");

        JsonNode events = await(apiB, "/api/audit?subject=agent-only-a&kind=statement&text=written%20through%20a",
                auditor, body -> body.path("events"));
        assertThat(events).extracting(e -> e.path("statement").asText()).containsExactly("SELECT 'Written Through A'");
        String session = events.get(0).path("session").asText();
        JsonNode recording = await(apiB, "/api/sessions/" + session, auditor, body -> body.path("recording"));
        assertThat(recording.toString()).contains("Written Through A");
        JsonNode sessions = apiB.get("/api/sessions?subject=agent-only-a", auditor).body().path("sessions");
        assertThat(sessions).extracting(e -> e.path("id").asText()).containsExactly(session);
    }

    @Test
    void sessionsCommandAgainstTheSharedStoreListsTheSessionsOfBothReplicas() throws Exception {
        try (Connection viaA = harness.connect("agent-list-a", "agents");
             Connection viaB = viaB("agent-list-b")) {
            assertThat(firstValue(viaA, "SELECT 'a'")).isEqualTo("a");
            assertThat(firstValue(viaB, "SELECT 'b'")).isEqualTo("b");
        }

        StringWriter out = new StringWriter();
        int status = SharedAuditStoreTest.run(out, "sessions", "--config", configB.toString(), "--json");

        assertThat(status).as(out.toString()).isZero();
        assertThat(out.toString()).contains("\"agent-list-a\"", "\"agent-list-b\"");
    }

    /** Polls {@code path} until {@code part} of its answer is not empty (recordings are appended asynchronously). */
    private static JsonNode await(ApprovalsClient api, String path, String token,
                                  java.util.function.Function<JsonNode, JsonNode> part) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            ApprovalsClient.Answer answer = api.get(path, token);
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
            JsonNode result = part.apply(answer.body());
            if (!result.isEmpty() || System.nanoTime() > deadline) {
                return result;
            }
            Thread.sleep(50); // polling a real server
        }
    }

    /** A pgjdbc connection through replica B. */
    private static Connection viaB(String subject) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", subject);
        properties.setProperty("password", harness.token(subject, "agents"));
        String url = harness.jdbcUrl().replace(":" + harness.port() + "/", ":" + replicaB.postgresPort() + "/");
        return DriverManager.getConnection(url, properties);
    }

    private static String firstValue(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
