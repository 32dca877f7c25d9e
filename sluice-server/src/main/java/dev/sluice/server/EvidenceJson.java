package dev.sluice.server;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.SqlRecorder;
import dev.sluice.export.ExportStatus;

/** JSON shapes shared by the audit API and the {@code sessions}/{@code replay} commands. */
final class EvidenceJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private EvidenceJson() {
    }

    /**
     * One recording chunk: its {@code sql/v1} content as an object with {@code seq} and {@code format} added, or for
     * another format {@code seq}, {@code format}, {@code index} and the raw {@code content}.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> chunk(AuditRecord record) {
        String format = String.valueOf(record.details().getOrDefault("format", ""));
        String content = String.valueOf(record.details().getOrDefault("content", ""));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("seq", record.seq());
        result.put("format", format);
        if (SqlRecorder.FORMAT.equals(format)) {
            try {
                result.putAll(MAPPER.readValue(content, Map.class));
                return result;
            } catch (JsonProcessingException e) {
                // shown raw below
            }
        }
        result.put("index", record.details().getOrDefault("index", -1L));
        result.put("content", content);
        return result;
    }

    static Map<String, Object> export(ExportStatus s) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("name", s.name());
        result.put("type", s.type());
        result.put("cursor", s.cursor());
        result.put("head", s.head());
        result.put("lag", s.lag());
        result.put("failures", s.failures());
        result.put("last_error", s.lastError());
        result.put("last_success", s.lastSuccess().map(Object::toString).orElse(null));
        result.put("delivered", s.delivered());
        return result;
    }

    static String line(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
