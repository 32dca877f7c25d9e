package dev.sluice.export;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.core.audit.AuditRecord;

/**
 * The exported JSON form of an event: the same object, field for field, that {@code sluice audit --json} prints
 * ({@code seq, time, time_ms, kind, session, subject, groups, connection, statement, verdict, rows, error, details}).
 */
final class ExportJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ExportJson() {
    }

    static String line(AuditRecord record) {
        try {
            return MAPPER.writeValueAsString(map(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + record.seq() + " cannot be written as JSON", e);
        }
    }

    static String array(List<AuditRecord> records) {
        try {
            return MAPPER.writeValueAsString(records.stream().map(ExportJson::map).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("events cannot be written as JSON", e);
        }
    }

    static Map<String, Object> map(AuditRecord record) {
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
        return result;
    }
}
