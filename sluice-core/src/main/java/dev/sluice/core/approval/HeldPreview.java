package dev.sluice.core.approval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What an approver is shown of a held command beyond its audited text: for an HTTP or Kubernetes request, its content
 * type, selected header fields and its body, masked. The protocol builds it (only when the command is held) with the
 * connection's masking rules applied by what it knows of the body's format; the core masks it again with the
 * connection's detectors and the built-in secret detectors ({@link #masked}) before it is stored, so that neither the
 * store nor an approver ever holds a masked field or a recognised secret in clear. The approval binds to the
 * body's {@link #bodySha256} (the request that runs is the one whose body was previewed); the preview itself is only
 * shown, never used to rebuild the request.
 *
 * @param contentType   the request's {@code Content-Type}, or empty
 * @param headers       header fields shown with their values (never credentials: the protocol selects them), in order
 * @param hiddenHeaders names of the other header fields the request carried (values never kept)
 * @param body          the body as text, masked; at most {@link #MAX_BODY_CHARS} characters; empty when not shown
 * @param bodyBytes     the body's size in bytes; -1 when not known (not read before the judgment)
 * @param cut           whether {@code body} is only the first part of the body
 * @param bodySha256    lower-case hex SHA-256 of the whole body as forwarded, or empty when not read
 * @param note          why the body is not shown (binary, a type Sluice cannot mask, not read), or empty
 */
public record HeldPreview(String contentType, List<Field> headers, List<String> hiddenHeaders, String body,
                          long bodyBytes, boolean cut, String bodySha256, String note) {
    /** The longest body text kept (characters, after masking). */
    public static final int MAX_BODY_CHARS = 64 * 1024;
    private static final HeldPreview NONE = new HeldPreview("", List.of(), List.of(), "", -1, false, "", "");

    /** One header field shown to approvers. */
    public record Field(String name, String value) {
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    public HeldPreview {
        Objects.requireNonNull(contentType, "contentType");
        headers = List.copyOf(headers);
        hiddenHeaders = List.copyOf(hiddenHeaders);
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(bodySha256, "bodySha256");
        Objects.requireNonNull(note, "note");
    }

    /** No preview: a command of a protocol that has none (its text says everything). */
    public static HeldPreview none() {
        return NONE;
    }

    public boolean isEmpty() {
        return equals(NONE);
    }

    /**
     * This preview with {@code mask} applied to every header value and name shown and to the body, the body then cut at
     * {@link #MAX_BODY_CHARS} (masked first, so a value across the cut was seen whole by the detectors).
     */
    public HeldPreview masked(UnaryOperator<String> mask) {
        if (isEmpty()) {
            return this;
        }
        List<Field> shown = headers.stream().map(f -> new Field(f.name(), mask.apply(f.value()))).toList();
        String text = body.isEmpty() ? body : mask.apply(body);
        boolean shorter = text.length() > MAX_BODY_CHARS;
        if (shorter) {
            int end = MAX_BODY_CHARS;
            if (Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            text = text.substring(0, end);
        }
        return new HeldPreview(mask.apply(contentType), shown, hiddenHeaders.stream().map(mask).toList(), text,
                bodyBytes, cut || shorter, bodySha256, note);
    }

    /** The JSON view (snake_case keys, plain maps and lists): the REST API's, the console's and the store's. */
    public Map<String, Object> toMap() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("content_type", contentType);
        result.put("headers", headers.stream().map(f -> Map.of("name", f.name(), "value", f.value())).toList());
        result.put("hidden_headers", hiddenHeaders);
        result.put("body", body);
        result.put("body_bytes", bodyBytes);
        result.put("cut", cut);
        result.put("body_sha256", bodySha256);
        result.put("note", note);
        return result;
    }

    /** Reads {@link #toMap()}'s shape back (as a JSON parser gives it); an empty map is {@link #none()}. */
    public static HeldPreview fromMap(Map<?, ?> map) {
        if (map.isEmpty()) {
            return NONE;
        }
        List<Field> fields = new ArrayList<>();
        if (map.get("headers") instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> field) {
                    fields.add(new Field(String.valueOf(field.get("name")), String.valueOf(field.get("value"))));
                }
            }
        }
        List<String> hidden = map.get("hidden_headers") instanceof List<?> list
                ? list.stream().map(String::valueOf).toList() : List.of();
        return new HeldPreview(text(map, "content_type"), fields, hidden, text(map, "body"),
                map.get("body_bytes") instanceof Number n ? n.longValue() : -1,
                Boolean.TRUE.equals(map.get("cut")), text(map, "body_sha256"), text(map, "note"));
    }

    private static String text(Map<?, ?> map, String key) {
        Object value = map.get(key);
        return value == null ? "" : String.valueOf(value);
    }
}
