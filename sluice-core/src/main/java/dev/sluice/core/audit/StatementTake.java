package dev.sluice.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.core.config.RecordingConfig;

/**
 * What {@link SqlRecorder} gathers about one statement until its outcome is known. Not thread-safe: created on the
 * client-to-upstream thread, then touched only by the upstream-to-client thread (handed over through a concurrent map).
 */
final class StatementTake {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long statementId;
    private final Instant started;
    private final String text;
    private final List<String> parameters;
    private final String verdict;
    private final String reason;
    private final List<ResultSet> results = new ArrayList<>();
    private int keptRows;
    private long rowChars;
    private boolean truncated;
    private String tag = "";
    private long rows = -1;
    private String sqlState = "";
    private String error = "";
    private Duration duration = Duration.ZERO;

    private record ResultSet(List<String> columns, List<List<String>> rows) {
    }

    StatementTake(long statementId, Instant started, String text, List<String> parameters, String verdict,
                  String reason) {
        this.statementId = statementId;
        this.started = started;
        this.text = text;
        this.parameters = List.copyOf(parameters);
        this.verdict = verdict;
        this.reason = reason;
    }

    long statementId() {
        return statementId;
    }

    Instant started() {
        return started;
    }

    boolean wantsRows(int cap) {
        return !truncated && keptRows < cap;
    }

    void startResultSet(List<String> columns) {
        if (results.size() >= SqlRecorder.MAX_RESULT_SETS) {
            truncated = true;
            return;
        }
        results.add(new ResultSet(columns.stream().map(StatementTake::cap).toList(), new ArrayList<>()));
    }

    void addRow(List<Optional<String>> cells, int cap) {
        if (!wantsRows(cap)) {
            truncated = true;
            return;
        }
        if (results.isEmpty()) {
            startResultSet(List.of());
        }
        List<String> row = new ArrayList<>(cells.size());
        for (Optional<String> cell : cells) {
            String value = cell.map(StatementTake::cap).orElse(null);
            rowChars += value == null ? 4 : value.length();
            row.add(value);
        }
        if (rowChars > SqlRecorder.MAX_ROW_CHARS) {
            truncated = true;
            return;
        }
        results.getLast().rows().add(row);
        keptRows++;
    }

    /** Rows the protocol did not hand over because the cap was reached still make the recording truncated. */
    void capped(long totalRows, int cap) {
        if (keptRows >= cap && totalRows > keptRows) {
            truncated = true;
        }
    }

    void finish(String tag, long rows, String sqlState, String error, Duration duration) {
        this.tag = tag;
        this.rows = rows;
        this.sqlState = sqlState;
        this.error = error;
        this.duration = duration;
    }

    /** The chunk content; see {@code docs/recordings.md} for the fields. */
    String toJson(RecordingConfig.Results mode) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("statement_id", statementId);
        result.put("started", started.toString());
        result.put("started_ms", started.toEpochMilli());
        result.put("duration_ms", duration.toMillis());
        result.put("text", text);
        result.put("parameters", parameters);
        result.put("verdict", verdict);
        result.put("reason", reason);
        result.put("tag", tag);
        result.put("rows", rows);
        result.put("sqlstate", sqlState);
        result.put("error", error);
        if (mode != RecordingConfig.Results.NONE) {
            List<Map<String, Object>> sets = new ArrayList<>();
            for (ResultSet set : results) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("columns", set.columns());
                if (mode == RecordingConfig.Results.ROWS) {
                    entry.put("rows", set.rows());
                }
                sets.add(entry);
            }
            result.put("results", sets);
            result.put("truncated", truncated);
        }
        try {
            return JSON.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("recording chunk cannot be written as JSON", e);
        }
    }

    private static String cap(String value) {
        return value.length() <= SqlRecorder.MAX_CELL_CHARS ? value
                : value.substring(0, SqlRecorder.MAX_CELL_CHARS) + "…";
    }
}
