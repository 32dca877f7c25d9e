package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.config.RecordingConfig;
import dev.sluice.core.session.RecordingContext;

class HttpRecorderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The audit log in memory: the chunks written. */
    private static final class Chunks implements AuditLog {
        final List<AuditEvent.RecordingChunk> written = new CopyOnWriteArrayList<>();

        @Override
        public long append(AuditEvent event) {
            written.add((AuditEvent.RecordingChunk) event);
            return written.size();
        }

        @Override
        public List<AuditRecord> query(AuditQuery query) {
            return List.of();
        }

        @Override
        public void close() {
        }
    }

    private static HttpRecorder recorder(Chunks log) {
        AuditContext context = new AuditContext(SessionId.random(), Optional.empty(), "billing", "127.0.0.1");
        return new HttpRecorder(new RecordingContext(context, log, Clock.systemUTC(), RecordingConfig.defaults()));
    }

    private static List<JsonNode> exchanges(List<AuditEvent.RecordingChunk> chunks) throws Exception {
        List<JsonNode> result = new java.util.ArrayList<>();
        for (AuditEvent.RecordingChunk chunk : chunks) {
            assertThat(chunk.format()).isEqualTo("http/v1");
            for (String line : chunk.content().split("\n")) {
                result.add(JSON.readTree(line));
            }
        }
        return result;
    }

    @Test
    void everyExchangeIsOneLineInOrderAndManyShareAChunkWrittenAtTheEnd() throws Exception {
        Chunks log = new Chunks();
        HttpRecorder recorder = recorder(log);
        for (long id = 1; id <= 50; id++) {
            recorder.onCommand(id, "GET /v1/invoices/" + id, List.of(), "allow", "");
            recorder.onResult(id, new CommandOutcome.Http(200, 40 + id, ""), Duration.ofMillis(2));
        }
        recorder.onCommand(51, "DELETE /v1/invoices/1", List.of(), "deny", "no deletes");
        recorder.onCommand(52, "GET /v1/slow", List.of(), "allow", "");
        recorder.onEnd();
        List<JsonNode> all = exchanges(log.written);
        assertThat(log.written).hasSize(1);
        assertThat(log.written.getFirst().index()).isEqualTo(1);
        assertThat(all).extracting(n -> n.path("id").asLong()).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 52).boxed().toList());
        assertThat(all.get(9).path("status").asInt()).isEqualTo(200);
        assertThat(all.get(9).path("bytes").asLong()).isEqualTo(50);
        assertThat(all.get(50).path("verdict").asText()).isEqualTo("deny");
        assertThat(all.get(51).path("error").asText()).isEqualTo("no outcome before the session ended");
    }

    @Test
    void aChunkIsWrittenWhenItIsFullAndAQuietSessionsLinesWithinASecondOrSo() throws Exception {
        Chunks log = new Chunks();
        HttpRecorder recorder = recorder(log);
        String path = "/v1/" + "x".repeat(1000);
        for (long id = 1; id <= 40; id++) {
            recorder.onCommand(id, "GET " + path, List.of(), "allow", "");
            recorder.onResult(id, new CommandOutcome.Http(200, 1, ""), Duration.ZERO);
        }
        assertThat(log.written).isNotEmpty();
        assertThat(log.written).allSatisfy(c -> assertThat(c.content().length())
                .isLessThan(HttpRecorder.CHUNK_BYTES + 2_000));
        int full = log.written.size();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (exchanges(log.written).size() < 40 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(log.written).hasSize(full + 1);
        assertThat(exchanges(log.written)).hasSize(40);
        recorder.onEnd();
        assertThat(log.written).hasSize(full + 1);
    }
}
