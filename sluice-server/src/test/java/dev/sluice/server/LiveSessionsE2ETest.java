package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Eventually;

/**
 * The live-session registry with a real psql session: listed over REST and by {@code sluice sessions --live}, ended
 * by {@code DELETE /api/sessions/live/{id}} and by {@code sluice kill}; psql is told (FATAL 57P01) and exits, and the
 * session's {@code session.end} says who ended it and why. Only auditors may list or kill.
 */
class LiveSessionsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        harness = GatewayHarness.start("""
                api:
                  auditor-groups: [auditors]
                """);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void anAuditorListsAndEndsALivePsqlSessionOverRest() throws Exception {
        try (Psql psql = Psql.open(harness, harness.token("agent-live", "agents"))) {
            psql.send("SELECT 'still here';\n");
            JsonNode session = awaitLive("agent-live");
            assertThat(session.path("protocol").asText()).isEqualTo("postgres");
            assertThat(session.path("connection").asText()).isEqualTo("orders");
            assertThat(session.path("groups").toString()).contains("agents");
            assertThat(session.path("commands").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(session.path("bytes_from_client").asLong()).isPositive();
            String id = session.path("id").asText();

            HttpResponse<String> killed = call("DELETE", "/api/sessions/live/" + id + "?reason=runaway+agent",
                    harness.token("alice", "auditors"));

            assertThat(killed.statusCode()).isEqualTo(202);
            assertThat(psql.awaitExit()).isNotZero();
            assertThat(psql.output()).contains("ended by alice").contains("runaway agent");
            AuditRecord end = awaitEnd(id);
            assertThat(String.valueOf(end.details()) + end.error()).contains("ended by alice").contains("runaway agent");
            assertThat(live()).noneMatch(s -> s.path("id").asText().equals(id));
        }
    }

    @Test
    void theCliListsAndKillsTooAndNonAuditorsAreRefused() throws Exception {
        try (Psql psql = Psql.open(harness, harness.token("agent-cli", "agents"))) {
            psql.send("SELECT 1;\n");
            String id = awaitLive("agent-cli").path("id").asText();
            String url = "http://127.0.0.1:" + harness.gateway().httpPort();
            String auditor = harness.token("bob", "auditors");

            assertThat(call("GET", "/api/sessions/live", harness.token("agent-cli", "agents")).statusCode())
                    .isEqualTo(403);
            assertThat(call("DELETE", "/api/sessions/live/" + id, harness.token("agent-cli", "agents"))
                    .statusCode()).isEqualTo(403);
            assertThat(call("DELETE", "/api/sessions/live/no-such-session", auditor).statusCode()).isEqualTo(404);
            assertThat(cli("sessions", "--live", "--url", url, "--token", auditor)).contains(id)
                    .contains("agent-cli @orders");

            assertThat(cli("kill", id, "--reason", "done", "--url", url, "--token", auditor)).contains("ended");

            assertThat(psql.awaitExit()).isNotZero();
            assertThat(String.valueOf(awaitEnd(id).details()) + awaitEnd(id).error()).contains("ended by bob").contains("done");
        }
    }

    private static JsonNode awaitLive(String subject) {
        JsonNode[] found = new JsonNode[1];
        Eventually.await(Duration.ofSeconds(15), () -> {
            found[0] = live().stream().filter(s -> s.path("subject").asText().equals(subject)).findFirst()
                    .orElseThrow(() -> new AssertionError("no live session of " + subject));
            assertThat(found[0].path("commands").asLong()).isPositive();
        });
        return found[0];
    }

    private static List<JsonNode> live() {
        try {
            return liveOrThrow();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<JsonNode> liveOrThrow() throws Exception {
        HttpResponse<String> response = call("GET", "/api/sessions/live", harness.token("alice", "auditors"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> result = new java.util.ArrayList<>();
        JSON.readTree(response.body()).path("sessions").forEach(result::add);
        return result;
    }

    private static AuditRecord awaitEnd(String id) {
        AuditRecord[] found = new AuditRecord[1];
        Eventually.await(Duration.ofSeconds(15), () -> {
            found[0] = harness.audit(AuditQuery.all().withKind("session.end")).stream()
                    .filter(r -> r.session().equals(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no session.end for " + id));
        });
        return found[0];
    }

    private static HttpResponse<String> call(String method, String path, String token) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.gateway().httpPort()
                    + path)).header("Authorization", "Bearer " + token).method(method,
                    HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = SluiceCli.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        assertThat(command.execute(args)).as(err.toString()).isZero();
        return out.toString();
    }

    /** A real psql reading its statements from a pipe, so the session stays open between them. */
    private static final class Psql implements AutoCloseable {
        private final Process process;
        private final OutputStream stdin;
        private final StringBuffer output = new StringBuffer();
        private final Thread out;
        private final Thread err;

        private Psql(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.out = Thread.ofVirtual().start(() -> drain(process.getInputStream()));
            this.err = Thread.ofVirtual().start(() -> drain(process.getErrorStream()));
        }

        static Psql open(GatewayHarness harness, String token) throws IOException {
            ProcessBuilder builder = new ProcessBuilder("psql", "-X", "-d", harness.conninfo("agent"));
            builder.environment().put("PGPASSWORD", token);
            return new Psql(builder.start());
        }

        void send(String sql) throws IOException {
            stdin.write(sql.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        int awaitExit() throws Exception {
            send("SELECT 'after the kill';\n"); // psql notices the closed connection on its next statement
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("psql did not exit: " + output);
            }
            out.join(5_000);
            err.join(5_000);
            return process.exitValue();
        }

        String output() {
            return output.toString();
        }

        private void drain(InputStream in) {
            try {
                byte[] buffer = new byte[4096];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
