package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.SerializedString;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;

/**
 * Masks a JSON body token by token while it streams: nothing is buffered beyond the parser's and generator's own
 * 8 KiB, so a watch stream or a 500 MiB list passes with bounded memory. A stream of JSON values (a Kubernetes watch:
 * one event per line) is flushed to the client after each value.
 *
 * <p>What is masked:
 * <ul>
 *   <li>Kubernetes Secret values: every scalar under a {@code data} or {@code stringData} member, in any response
 *       for the {@code secrets} resource (single objects, lists, {@code as=Table} rows with their objects, watch
 *       events, bookmarks) and in any object whose {@code kind} is {@code Secret}; and the
 *       {@code kubectl.kubernetes.io/last-applied-configuration} annotation there, which holds a copy of the data;
 *       in other objects that annotation's copy is masked like the object itself (field rules and detectors).
 *       Values under {@code data} become base64 of {@code ********} (clients that decode still can), under
 *       {@code stringData} {@code ********}.</li>
 *   <li>Keys a masking rule's {@code columns} select as {@code TABLE.KEY} (TABLE: the Kubernetes resource or the
 *       HTTP connection's name; KEY: the member name): every scalar under that member, by the rule's strategy.</li>
 *   <li>Every other string value through the detectors of the rules in force.</li>
 * </ul>
 * Used by one thread (the response relay). A malformed body throws: the caller then ends the response without its
 * terminating chunk, so the client sees a broken response rather than a truncated one that looks whole.
 */
final class JsonMasker {
    static final String MASKED = "********";
    static final String MASKED_BASE64 = "KioqKioqKio=";
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200)
                    .maxStringLength(64 * 1024 * 1024).build())
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);

    private final MaskingPlan plan;
    private final String table;
    private final boolean secrets;
    private final MaskTally tally = new MaskTally();
    private final Map<String, Long> counts = new TreeMap<>();

    /**
     * @param plan    the masking rules of the session
     * @param table   the Kubernetes resource, or the HTTP connection's name: what {@code columns} selectors name
     * @param secrets whether the response is for the {@code secrets} resource
     */
    JsonMasker(MaskingPlan plan, String table, boolean secrets) {
        this.plan = plan;
        this.table = table;
        this.secrets = secrets;
    }

    /** An object being written: whether its {@code kind} is Secret, and the member whose value comes next. */
    private static final class Frame {
        boolean secret;
        String field = "";
        boolean array;
    }

    /** What replaces scalars inside a masked member. */
    private sealed interface Cover {
        record SecretData(boolean base64) implements Cover {
        }

        record Column(MaskingPlan.ColumnMask mask, String key) implements Cover {
        }
    }

    void mask(InputStream in, OutputStream out) throws IOException {
        try (JsonParser parser = FACTORY.createParser(in);
             JsonGenerator generator = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            generator.setRootValueSeparator(new SerializedString("\n"));
            Deque<Frame> frames = new ArrayDeque<>();
            Cover cover = null;
            int coverDepth = -1;
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                switch (token) {
                    case START_OBJECT, START_ARRAY -> {
                        if (cover == null) {
                            Optional<Cover> next = coverFor(frames.peek());
                            if (next.isPresent()) {
                                cover = next.get();
                                coverDepth = frames.size();
                            }
                        }
                        Frame frame = new Frame();
                        frame.array = token == JsonToken.START_ARRAY;
                        frames.push(frame);
                        generator.copyCurrentEvent(parser);
                    }
                    case END_OBJECT, END_ARRAY -> {
                        frames.pop();
                        if (cover != null && frames.size() == coverDepth) {
                            cover = null;
                            coverDepth = -1;
                        }
                        generator.copyCurrentEvent(parser);
                    }
                    case FIELD_NAME -> {
                        frames.peek().field = parser.currentName();
                        generator.copyCurrentEvent(parser);
                    }
                    case VALUE_STRING -> generator.writeString(string(parser.getText(), frames, cover));
                    default -> {
                        Cover scalarCover = cover != null ? cover : coverFor(frames.peek()).orElse(null);
                        if (scalarCover != null && token != JsonToken.VALUE_NULL) {
                            generator.writeString(covered(parser.getText(), scalarCover));
                        } else {
                            generator.copyCurrentEventExact(parser);
                        }
                    }
                }
                if (frames.isEmpty()) {
                    generator.flush(); // one whole value (a watch event) reaches the client now
                }
            }
            generator.flush();
        }
        for (Map.Entry<String, Long> e : tally.take().entrySet()) {
            counts.merge(e.getKey(), e.getValue(), Long::sum);
        }
    }

    /** What was masked, {@code rule/what} to count (Secret values count under {@code secret/data}). */
    Map<String, Long> counts() {
        return counts;
    }

    private String string(String value, Deque<Frame> frames, Cover cover) {
        Frame frame = frames.peek();
        if (cover != null) {
            return covered(value, cover);
        }
        if (frame != null && !frame.array && frame.field.equals("kind") && value.equals("Secret")) {
            frame.secret = true;
        }
        Optional<Cover> member = coverFor(frame);
        if (member.isPresent()) {
            return covered(value, member.get());
        }
        if (frame != null && !frame.array && frame.field.equals(LAST_APPLIED) && (secrets || frames.stream().anyMatch(f -> f.secret))) {
            count("secret/last-applied-configuration");
            return MASKED;
        }
        if (frame != null && !frame.array && frame.field.equals(LAST_APPLIED) && plan.hasColumnRules()) {
            return lastApplied(value);
        }
        return plan.maskText(value, tally);
    }

    /**
     * The {@code last-applied-configuration} annotation holds a copy of the object as JSON text, where the members
     * field rules select (a pod's env {@code value}) would be shown as they are: the copy is masked as the object
     * is. Fail closed: a copy Sluice cannot read is replaced whole.
     */
    private String lastApplied(String value) {
        JsonMasker copy = new JsonMasker(plan, table, secrets);
        java.io.ByteArrayOutputStream result = new java.io.ByteArrayOutputStream(value.length());
        try {
            copy.mask(new java.io.ByteArrayInputStream(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    result);
        } catch (IOException | RuntimeException e) {
            count("last-applied-configuration/unreadable");
            return MASKED;
        }
        copy.counts().forEach((key, n) -> counts.merge(key, n, Long::sum));
        return result.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private Optional<Cover> coverFor(Frame frame) {
        if (frame == null || frame.array) {
            return Optional.empty();
        }
        String field = frame.field;
        if ((secrets || frame.secret) && (field.equals("data") || field.equals("stringData"))) {
            return Optional.of(new Cover.SecretData(field.equals("data")));
        }
        if (plan.hasColumnRules()) {
            return plan.column("", table, field).map(m -> new Cover.Column(m, field));
        }
        return Optional.empty();
    }

    private String covered(String value, Cover cover) {
        return switch (cover) {
            case Cover.SecretData data -> {
                count("secret/data");
                yield data.base64() ? MASKED_BASE64 : MASKED;
            }
            case Cover.Column column -> plan.maskColumn(column.mask(), value, table + "." + column.key(), tally);
        };
    }

    private void count(String key) {
        counts.merge(key, 1L, Long::sum);
    }
}
