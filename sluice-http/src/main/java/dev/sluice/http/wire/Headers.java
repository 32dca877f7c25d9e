package dev.sluice.http.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The ordered header fields of one message. Immutable; the editing methods return a copy. Name lookups ignore case
 * (RFC 9110 §5.1).
 */
public final class Headers {
    private final List<Header> fields;

    private Headers(List<Header> fields) {
        this.fields = List.copyOf(fields);
    }

    public static Headers of(List<Header> fields) {
        return new Headers(fields);
    }

    public static Headers empty() {
        return new Headers(List.of());
    }

    public List<Header> fields() {
        return fields;
    }

    /** The first value of {@code name}. */
    public Optional<String> first(String name) {
        for (Header h : fields) {
            if (h.name().equalsIgnoreCase(name)) {
                return Optional.of(h.value());
            }
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        List<String> result = new ArrayList<>();
        for (Header h : fields) {
            if (h.name().equalsIgnoreCase(name)) {
                result.add(h.value());
            }
        }
        return result;
    }

    public boolean has(String name) {
        return first(name).isPresent();
    }

    /** Whether a comma-separated list header (e.g. {@code Connection}) contains {@code token}, ignoring case. */
    public boolean listContains(String name, String token) {
        for (String value : all(name)) {
            for (String part : value.split(",")) {
                if (part.strip().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A copy without the fields whose lower-case name matches. */
    public Headers without(Predicate<String> lowerCaseName) {
        return new Headers(fields.stream().filter(h -> !lowerCaseName.test(h.name().toLowerCase(Locale.ROOT)))
                .toList());
    }

    public Headers without(String name) {
        return without(n -> n.equalsIgnoreCase(name));
    }

    /** A copy with {@code name} replaced by one field of this value (appended at the end). */
    public Headers with(String name, String value) {
        List<Header> result = new ArrayList<>(without(name).fields);
        result.add(new Header(name, value));
        return new Headers(result);
    }

    /** A copy with one more field (kept even if the name already exists). */
    public Headers plus(String name, String value) {
        List<Header> result = new ArrayList<>(fields);
        result.add(new Header(name, value));
        return new Headers(result);
    }

    @Override
    public String toString() {
        return "Headers" + fields.stream().map(Header::name).toList(); // names only: values may be credentials
    }
}
