package dev.sluice.core.audit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON form of a read-back audit record, the same everywhere an event leaves Sluice ({@code sluice audit --json},
 * the audit API, every export sink): fields in a fixed
 * order ({@code seq, time, time_ms, kind, session, subject, groups, connection, statement, verdict, rows, error,
 * details}), {@code time} as ISO-8601 UTC, details with sorted keys. Every field is always present.
 */
public final class AuditJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AuditJson() {
    }

    /** One line of JSON, no trailing newline. */
    public static String toJson(AuditRecord record) {
        try {
            return MAPPER.writeValueAsString(toMap(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit record " + record.seq() + " cannot be written as JSON", e);
        }
    }

    /** A JSON array of records, for batch exports. */
    public static String toJsonArray(java.util.List<AuditRecord> records) {
        try {
            return MAPPER.writeValueAsString(records.stream().map(AuditJson::toMap).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit records cannot be written as JSON", e);
        }
    }

    /** An unmodifiable map in the field order above. */
    public static Map<String, Object> toMap(AuditRecord record) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("seq", record.seq());
        result.put("time", record.time().toString());
        result.put("time_ms", record.time().toEpochMilli());
        result.put("kind", record.kind());
        result.put("session", record.session());
        result.put("subject", record.subject());
        result.put("groups", record.groups());
        result.put("connection", record.connection());
        result.put("statement", record.statement());
        result.put("verdict", record.verdict());
        result.put("rows", record.rows());
        result.put("error", record.error());
        result.put("details", Collections.unmodifiableMap(new TreeMap<>(record.details())));
        return Collections.unmodifiableMap(result);
    }

    /**
     * One session of the trail as the API, the CLI and the console show it: {@code id, subject, connection, protocol,
     * started, ended (null while open), statements, end_reason}.
     */
    public static Map<String, Object> session(SessionSummary s) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", s.id());
        result.put("subject", s.subject());
        result.put("connection", s.connection());
        result.put("protocol", s.protocol());
        result.put("started", s.started().toString());
        result.put("ended", s.ended().map(Object::toString).orElse(null));
        result.put("statements", s.statements());
        result.put("end_reason", s.endReason());
        return result;
    }
}
