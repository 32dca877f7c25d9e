package dev.sluice.core.policy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the configured protocols can say: every command kind they classify into (a rule's {@code kinds:} entry that
 * none produces is a configuration error: a misspelt kind would make a deny rule that never denies), and each
 * protocol's "dangerous" catalogue per rule key ({@code functions: [dangerous]} for PostgreSQL, {@code commands:
 * [dangerous]} for SSH). Each protocol provider contributes its own; {@link #plus} merges them.
 *
 * @param kinds     every kind; empty: only the spelling of kinds is checked
 * @param dangerous protocol ({@code *} for every protocol) → rule key → lower-case names
 */
public record Vocabulary(Set<String> kinds, Map<String, Map<String, Set<String>>> dangerous) {

    public static final String ANY_PROTOCOL = "*";
    private static final Vocabulary EMPTY = new Vocabulary(Set.of(), Map.of());

    public Vocabulary {
        kinds = Set.copyOf(kinds);
        Map<String, Map<String, Set<String>>> copy = new HashMap<>();
        dangerous.forEach((protocol, byKey) -> {
            Map<String, Set<String>> keys = new HashMap<>();
            byKey.forEach((key, names) -> keys.put(key, names.stream().map(n -> n.toLowerCase(Locale.ROOT))
                    .collect(java.util.stream.Collectors.toUnmodifiableSet())));
            copy.put(protocol, Map.copyOf(keys));
        });
        dangerous = Map.copyOf(copy);
    }

    public static Vocabulary empty() {
        return EMPTY;
    }

    /** One protocol's vocabulary. */
    public static Vocabulary of(String protocol, Set<String> kinds, Map<String, Set<String>> dangerous) {
        return new Vocabulary(kinds, Map.of(protocol, dangerous));
    }

    /** This vocabulary and another's together. */
    public Vocabulary plus(Vocabulary other) {
        Set<String> allKinds = new HashSet<>(kinds);
        allKinds.addAll(other.kinds);
        Map<String, Map<String, Set<String>>> merged = new HashMap<>();
        for (Vocabulary v : new Vocabulary[] {this, other}) {
            v.dangerous.forEach((protocol, byKey) -> byKey.forEach((key, names) -> merged
                    .computeIfAbsent(protocol, p -> new HashMap<>())
                    .computeIfAbsent(key, k -> new HashSet<>()).addAll(names)));
        }
        return new Vocabulary(allKinds, merged);
    }

    /** The names {@code dangerous} stands for under {@code key} for a command of {@code protocol}. */
    public Set<String> dangerous(String protocol, String key) {
        Set<String> own = dangerous.getOrDefault(protocol, Map.of()).getOrDefault(key, Set.of());
        Set<String> every = dangerous.getOrDefault(ANY_PROTOCOL, Map.of()).getOrDefault(key, Set.of());
        if (every.isEmpty()) {
            return own;
        }
        Set<String> result = new HashSet<>(own);
        result.addAll(every);
        return result;
    }
}
