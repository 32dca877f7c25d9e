package dev.sluice.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.Secret;

class HttpExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<JsonNode> batches = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicBoolean failing = new AtomicBoolean();

    private int startReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/events", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (failing.get()) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
                batches.add(JSON.readTree(new String(body, StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static SinkConfig.Http sink(int port, int batchSize) {
        return new SinkConfig.Http("siem", batchSize, URI.create("http://127.0.0.1:" + port + "/events"),
                Duration.ofSeconds(2), Map.of("Authorization", Secret.of("Bearer t0ken")));
    }

    private List<Long> receivedSeqs() {
        List<Long> result = new ArrayList<>();
        batches.forEach(batch -> batch.forEach(event -> result.add(event.get("seq").asLong())));
        return result;
    }

    @Test
    void postsEveryEventInOrderInBatches() throws Exception {
        int port = startReceiver(0);
        try (Trail trail = new Trail(dir)) {
            for (int i = 1; i <= 5; i++) {
                trail.statement(i);
            }
            try (Exports exports = Exports.start(List.of(sink(port, 2)), trail.reader, dir, OutputStream.nullOutputStream(),
                    Clock.systemUTC(), Duration.ofMillis(20))) {
                Waits.until(() -> receivedSeqs().size() == 5, Duration.ofSeconds(10));
                assertThat(receivedSeqs()).containsExactly(1L, 2L, 3L, 4L, 5L);
                assertThat(batches).hasSize(3);
                assertThat(batches.getFirst().get(0).get("statement").asText()).isEqualTo("SELECT 1");
                assertThat(authorizations).containsOnly("Bearer t0ken");
                Waits.until(() -> exports.status().getFirst().lag() == 0, Duration.ofSeconds(5));
                assertThat(exports.status().getFirst().cursor()).isEqualTo(5);
            }
        }
    }

    @Test
    void aReceiverThatIsDownThenUpGetsEveryEventOnceWithoutBlockingWriters() throws Exception {
        int port;
        try (var probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (Trail trail = new Trail(dir)) {
            try (Exports exports = Exports.start(List.of(sink(port, 100)), trail.reader, dir,
                    OutputStream.nullOutputStream(), Clock.systemUTC(), Duration.ofMillis(20))) {
                long start = System.nanoTime();
                for (int i = 1; i <= 50; i++) {
                    trail.statement(i);
                }
                long writeMillis = (System.nanoTime() - start) / 1_000_000;
                Waits.until(() -> exports.status().getFirst().failures() >= 2, Duration.ofSeconds(10));
                ExportStatus down = exports.status().getFirst();
                assertThat(down.lag()).isEqualTo(50);
                assertThat(down.lastError()).isNotEmpty();
                assertThat(writeMillis).as("50 durable appends while the sink is down").isLessThan(5_000);

                startReceiver(port);
                failing.set(true);
                Thread.sleep(300);
                assertThat(receivedSeqs()).isEmpty();
                failing.set(false);
                Waits.until(() -> receivedSeqs().size() >= 50, Duration.ofSeconds(40));
                trail.statement(51);
                Waits.until(() -> receivedSeqs().size() >= 51, Duration.ofSeconds(10));
            }
            assertThat(receivedSeqs()).doesNotHaveDuplicates().hasSize(51).isSorted();

            // A restart resumes from the persisted cursor: nothing is sent twice.
            trail.statement(52);
            try (Exports again = Exports.start(List.of(sink(port, 100)), trail.reader, dir,
                    OutputStream.nullOutputStream(), Clock.systemUTC(), Duration.ofMillis(20))) {
                Waits.until(() -> receivedSeqs().size() >= 52, Duration.ofSeconds(10));
                Thread.sleep(200);
            }
            assertThat(receivedSeqs()).doesNotHaveDuplicates().hasSize(52).endsWith(52L);
        }
    }
}
