package dev.sluice.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import dev.sluice.core.config.ConfigProblem;

/** Collects every problem of a parse, with small readers that report instead of throwing. */
final class Problems {
    static final int MAX_TEXT = 4_096;

    private final List<ConfigProblem> list = new ArrayList<>();

    List<ConfigProblem> list() {
        return list;
    }

    void add(RuleSource node, String message) {
        list.add(new ConfigProblem(node.file(), node.line(), node.path(), message));
    }

    /** Reports every key outside {@code allowed}. */
    void unknownKeys(RuleSource map, Set<String> allowed, String where) {
        map.entries().forEach((key, value) -> {
            if (!allowed.contains(key)) {
                add(value, "unknown key '" + key + "' in " + where + " (expected one of: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        });
    }

    /** A non-blank scalar. */
    Optional<String> text(RuleSource node) {
        if (!node.isScalar() || node.text().isBlank()) {
            add(node, "must be a non-empty text value");
            return Optional.empty();
        }
        if (node.text().length() > MAX_TEXT) {
            add(node, "is longer than " + MAX_TEXT + " characters");
            return Optional.empty();
        }
        return Optional.of(node.text().strip());
    }

    /** A non-empty list of non-blank scalars; {@code lowerCase} folds them. */
    Optional<List<String>> strings(RuleSource node, boolean lowerCase) {
        if (!node.isList()) {
            add(node, "must be a list, e.g. [a, b]");
            return Optional.empty();
        }
        if (node.items().isEmpty()) {
            add(node, "must not be empty (omit the key to match any)");
            return Optional.empty();
        }
        List<String> result = new ArrayList<>();
        boolean ok = true;
        for (RuleSource item : node.items()) {
            Optional<String> value = text(item);
            ok &= value.isPresent();
            value.ifPresent(v -> result.add(lowerCase ? v.toLowerCase(Locale.ROOT) : v));
        }
        return ok ? Optional.of(List.copyOf(result)) : Optional.empty();
    }

    /** Converts a subtree to plain maps, lists and strings. */
    static Object plain(RuleSource node) {
        if (node.isMap()) {
            Map<String, Object> result = new java.util.LinkedHashMap<>();
            node.entries().forEach((k, v) -> result.put(k, plain(v)));
            return java.util.Collections.unmodifiableMap(result);
        }
        if (node.isList()) {
            return node.items().stream().map(Problems::plain).toList();
        }
        return node.text();
    }
}
