package dev.sluice.server;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.sluice.core.audit.SessionSummary;

/** The human form of {@code sluice replay}: one block per statement, its offset from the session start first. */
final class ReplayText {
    private static final int MAX_CELL = 60;
    private static final String INDENT = "           ";

    private ReplayText() {
    }

    static String header(SessionSummary s) {
        return "session " + CliText.escape(s.id()) + "  " + CliText.escape(s.subject()) + " @"
                + CliText.escape(s.connection()) + " (" + CliText.escape(s.protocol()) + ")  started "
                + s.started() + "  " + s.statements() + " statements";
    }

    static String footer(SessionSummary s) {
        return "session ended " + s.ended().map(Object::toString).orElse("") + " after "
                + seconds(Duration.between(s.started(), s.ended().orElse(s.started())).toMillis()) + ": "
                + CliText.escape(s.endReason());
    }

    @SuppressWarnings("unchecked")
    static String statement(Map<String, Object> c, long sessionStartMs) {
        StringBuilder result = new StringBuilder();
        long started = c.get("started_ms") instanceof Number n ? n.longValue() : sessionStartMs;
        result.append(String.format(Locale.ROOT, "%10s ", "+" + seconds(started - sessionStartMs)))
                .append('[').append(c.get("statement_id")).append("] ").append(CliText.escape(c.get("verdict")))
                .append("  ").append(CliText.escape(c.get("text")));
        List<Object> parameters = (List<Object>) c.getOrDefault("parameters", List.of());
        if (!parameters.isEmpty()) {
            result.append('\n').append(INDENT).append("parameters: ")
                    .append(parameters.stream().map(CliText::escape).toList());
        }
        for (Map<String, Object> set : (List<Map<String, Object>>) c.getOrDefault("results", List.of())) {
            List<Object> columns = (List<Object>) set.getOrDefault("columns", List.of());
            if (!columns.isEmpty()) {
                result.append('\n').append(INDENT).append(row(columns));
            }
            for (List<Object> row : (List<List<Object>>) set.getOrDefault("rows", List.of())) {
                result.append('\n').append(INDENT).append(row(row));
            }
        }
        if (Boolean.TRUE.equals(c.get("truncated"))) {
            result.append('\n').append(INDENT).append("… (more rows were not recorded)");
        }
        result.append('\n').append(INDENT).append("→ ").append(outcome(c));
        return result.toString();
    }

    private static String outcome(Map<String, Object> c) {
        String error = String.valueOf(c.getOrDefault("error", ""));
        if (!"allow".equals(c.get("verdict"))) {
            return "refused: " + CliText.escape(c.get("reason"));
        }
        if (!error.isEmpty()) {
            return "error " + CliText.escape(c.getOrDefault("sqlstate", "")) + ": " + CliText.escape(error);
        }
        long rows = c.get("rows") instanceof Number n ? n.longValue() : -1;
        return CliText.escape(c.get("tag")) + (rows >= 0 ? " (" + rows + " rows)" : "") + " in " + c.get("duration_ms") + " ms";
    }

    private static String row(List<Object> cells) {
        StringBuilder result = new StringBuilder();
        for (Object cell : cells) {
            if (!result.isEmpty()) {
                result.append(" | ");
            }
            String text = cell == null ? "NULL" : CliText.escape(cell.toString());
            result.append(text.length() > MAX_CELL ? text.substring(0, MAX_CELL) + "…" : text);
        }
        return result.toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3fs", millis / 1000.0);
    }
}
