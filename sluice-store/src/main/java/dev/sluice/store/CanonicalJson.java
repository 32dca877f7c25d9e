package dev.sluice.store;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The store's JSON dialect ({@link StoreJson}) written by hand for the values audit events are made of: text,
 * integral numbers, booleans, null, collections and maps with text keys (sorted at every depth). Byte for byte what
 * {@link StoreJson#MAPPER} writes (the hash chain covers this text; {@code StoreJsonTest} compares the two over
 * random input), at a fraction of the cost of Jackson's data binding, which was the largest share of encoding an
 * audit event. Anything else (a double, an enum, a record) is not written here: {@link #write} answers empty and the
 * caller falls back to Jackson. Stateless and thread-safe.
 */
final class CanonicalJson {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private CanonicalJson() {
    }

    /** The canonical text of {@code value}, or empty when it holds a type this writer leaves to Jackson. */
    static Optional<String> write(Object value) {
        StringBuilder result = new StringBuilder(128);
        return append(result, value) ? Optional.of(result.toString()) : Optional.empty();
    }

    private static boolean append(StringBuilder out, Object value) {
        return switch (value) {
            case null -> {
                out.append("null");
                yield true;
            }
            case String text -> {
                string(out, text);
                yield true;
            }
            case Long number -> {
                out.append(number.longValue());
                yield true;
            }
            case Integer number -> {
                out.append(number.intValue());
                yield true;
            }
            case Boolean bool -> {
                out.append(bool.booleanValue());
                yield true;
            }
            case Collection<?> items -> array(out, items);
            case Map<?, ?> map -> object(out, map);
            default -> false;
        };
    }

    private static boolean array(StringBuilder out, Collection<?> items) {
        out.append('[');
        boolean first = true;
        for (Object item : items) {
            if (!first) {
                out.append(',');
            }
            first = false;
            if (!append(out, item)) {
                return false;
            }
        }
        out.append(']');
        return true;
    }

    private static boolean object(StringBuilder out, Map<?, ?> map) {
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                return false; // Jackson's key serializers decide these
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> sorted = map instanceof SortedMap<?, ?> s && s.comparator() == null ? (Map<String, ?>) map
                : new TreeMap<>((Map<String, ?>) map);
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, ?> entry : sorted.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, entry.getKey());
            out.append(':');
            if (!append(out, entry.getValue())) {
                return false;
            }
        }
        out.append('}');
        return true;
    }

    /** As Jackson quotes: {@code "} and {@code \} escaped, other controls as backslash, u and four upper-case hex digits. */
    private static void string(StringBuilder out, String text) {
        out.append('"');
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(text, start, i);
            start = i + 1;
            out.append('\\');
            switch (c) {
                case '"', '\\' -> out.append(c);
                case '\b' -> out.append('b');
                case '\t' -> out.append('t');
                case '\f' -> out.append('f');
                case '\n' -> out.append('n');
                case '\r' -> out.append('r');
                default -> out.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        out.append(text, start, text.length());
        out.append('"');
    }
}
