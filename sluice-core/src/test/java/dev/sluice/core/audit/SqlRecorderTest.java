package dev.sluice.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.RecordingConfig;
import dev.sluice.core.config.RecordingConfig.Results;

class SqlRecorderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
    private static final AuditContext CTX = new AuditContext(new SessionId("s-1"), Optional.empty(), "orders", "x");

    /** The {@code i}th event of {@code trail}, a {@code sql/v1} recording chunk, as JSON. */
    private static JsonNode chunk(RecordingTrail trail, int i) throws Exception {
        AuditEvent.RecordingChunk chunk = (AuditEvent.RecordingChunk) trail.all(AuditEvent.class).get(i);
        assertThat(chunk.format()).isEqualTo("sql/v1");
        return JSON.readTree(chunk.content());
    }

    private static List<Optional<String>> row(String... cells) {
        return java.util.Arrays.stream(cells).map(Optional::ofNullable).toList();
    }

    @Test
    void recordsAStatementWithItsParametersAndRowsUpToTheCap() throws Exception {
        RecordingTrail trail = new RecordingTrail();
        SqlRecorder recorder = SqlRecorder.create(new RecordingConfig(true, Results.ROWS, 2), CTX, trail, CLOCK);
        recorder.onCommand(1, "SELECT * FROM t WHERE a = $1", List.of("x"), "allow", "");
        recorder.onColumns(1, List.of("a", "b"));
        for (int i = 0; i < 5 && recorder.wantsRows(1); i++) {
            recorder.onRow(1, row("r" + i, null));
        }
        assertThat(recorder.wantsRows(1)).isFalse();
        assertThat(trail.all(AuditEvent.class)).isEmpty();
        recorder.onResult(1, new CommandOutcome.Sql("SELECT 5", 5, "", ""), Duration.ofMillis(3));
        JsonNode chunk = chunk(trail, 0);
        assertThat(chunk.path("statement_id").asLong()).isEqualTo(1);
        assertThat(chunk.path("parameters").toString()).isEqualTo("[\"x\"]");
        assertThat(chunk.path("results").toString())
                .isEqualTo("[{\"columns\":[\"a\",\"b\"],\"rows\":[[\"r0\",null],[\"r1\",null]]}]");
        assertThat(chunk.path("truncated").asBoolean()).isTrue();
        assertThat(chunk.path("tag").asText()).isEqualTo("SELECT 5");
        assertThat(chunk.path("duration_ms").asLong()).isEqualTo(3);
    }

    @Test
    void summaryKeepsColumnsButNoRowsAndNoneKeepsNeither() throws Exception {
        for (Results mode : List.of(Results.SUMMARY, Results.NONE)) {
            RecordingTrail trail = new RecordingTrail();
            SqlRecorder recorder = SqlRecorder.create(new RecordingConfig(true, mode, 100), CTX, trail, CLOCK);
            recorder.onCommand(1, "SELECT 1", List.of(), "allow", "");
            assertThat(recorder.wantsRows(1)).isFalse();
            recorder.onColumns(1, List.of("one"));
            recorder.onResult(1, new CommandOutcome.Sql("SELECT 1", 1, "", ""), Duration.ZERO);
            JsonNode chunk = chunk(trail, 0);
            if (mode == Results.SUMMARY) {
                assertThat(chunk.path("results").toString()).isEqualTo("[{\"columns\":[\"one\"]}]");
            } else {
                assertThat(chunk.has("results")).isFalse();
            }
        }
    }

    @Test
    void aRefusedStatementIsRecordedAtOnceAndUnfinishedOnesAtTheEnd() throws Exception {
        RecordingTrail trail = new RecordingTrail();
        SqlRecorder recorder = SqlRecorder.create(RecordingConfig.defaults(), CTX, trail, CLOCK);
        recorder.onCommand(1, "DROP TABLE t", List.of(), "deny", "DDL is refused");
        assertThat(chunk(trail, 0).path("error").asText()).isEqualTo("DDL is refused");
        recorder.onCommand(2, "SELECT pg_sleep(100)", List.of(), "allow", "");
        recorder.onEnd();
        assertThat(chunk(trail, 1).path("error").asText()).contains("session ended");
    }

    @Test
    void capsHugeCellsAndStatementsInFlight() throws Exception {
        RecordingTrail trail = new RecordingTrail();
        SqlRecorder recorder = SqlRecorder.create(new RecordingConfig(true, Results.ROWS, 10), CTX, trail, CLOCK);
        for (long id = 1; id <= SqlRecorder.MAX_PENDING + 5; id++) {
            recorder.onCommand(id, "SELECT", List.of(), "allow", "");
        }
        assertThat(trail.all(AuditEvent.class)).hasSize(5);
        recorder.onRow(1, row("x".repeat(100_000)));
        recorder.onResult(1, new CommandOutcome.Sql("SELECT 1", 1, "", ""), Duration.ZERO);
        String cell = chunk(trail, 5).path("results").get(0).path("rows").get(0).get(0).asText();
        assertThat(cell).hasSize(SqlRecorder.MAX_CELL_CHARS + 1).endsWith("…");
    }

    @Test
    void disabledRecordingKeepsNothing() {
        RecordingTrail trail = new RecordingTrail();
        SqlRecorder recorder = SqlRecorder.create(new RecordingConfig(false, Results.ROWS, 10), CTX, trail, CLOCK);
        recorder.onCommand(1, "DROP TABLE t", List.of(), "deny", "no");
        assertThat(trail.all(AuditEvent.class)).isEmpty();
    }

    @Test
    void bindsTheRecordingSectionAndReportsBadValues() {
        ConfigProblems problems = new ConfigProblems();
        RecordingConfig config = RecordingConfig.bind(ConfigNode.parse(Path.of("s.yaml"), """
                recording:
                  record-results: rows
                  record-rows-cap: 7
                """), problems);
        assertThat(problems.list()).isEmpty();
        assertThat(config).isEqualTo(new RecordingConfig(true, Results.ROWS, 7));
        assertThat(RecordingConfig.bind(ConfigNode.parse(Path.of("s.yaml"), "{}"), problems))
                .isEqualTo(RecordingConfig.defaults());
        RecordingConfig.bind(ConfigNode.parse(Path.of("s.yaml"), """
                recording:
                  record-results: everything
                  record-rows-cap: 0
                  speed: 2
                """), problems);
        assertThat(problems.list()).extracting(ConfigProblem::line).containsExactly(2, 3, 4);
    }
}
