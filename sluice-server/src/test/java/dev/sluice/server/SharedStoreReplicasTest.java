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
                policies:
                  - name: deletes-need-sre
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      tables: [items]
                      approvers: [sre]
                """.formatted(store.jdbcUrl("sluice"), key);
        harness = GatewayHarness.start(shared);
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
