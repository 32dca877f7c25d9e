package dev.sluice.core.masking;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts replacements per detector (or per rule, for callers that mask whole values by rule) for one session
 * or one result set. Thread-confined: one counter belongs to the single thread relaying a result stream. It
 * also carries the scratch space {@link TextMasker} reuses between values, which is why it must not be shared.
 */
public final class MaskCounter {
    private final Map<String, long[]> counts = new HashMap<>();
    private final SpanBuffer scratch = new SpanBuffer();
    private long total;
    private String lastKey;
    private long[] lastSlot;

    /** Adds one replacement under {@code key}, a detector or rule name. */
    public void increment(String key) {
        if (key != lastKey) { // the same rule or column is counted row after row: skip the map lookup then
            lastSlot = counts.computeIfAbsent(key, k -> new long[1]);
            lastKey = key;
        }
        lastSlot[0]++;
        total++;
    }

    /** Replacements counted under {@code key}; zero if none. */
    public long count(String key) {
        long[] slot = counts.get(key);
        return slot == null ? 0 : slot[0];
    }

    /** Replacements counted under every key. */
    public long total() {
        return total;
    }

    /** A sorted, immutable copy of the counts. */
    public Map<String, Long> snapshot() {
        Map<String, Long> result = new TreeMap<>();
        counts.forEach((key, slot) -> result.put(key, slot[0]));
        return Collections.unmodifiableMap(result);
    }

    /** Forgets all counts. */
    public void reset() {
        counts.clear();
        total = 0;
        lastKey = null;
        lastSlot = null;
    }

    SpanBuffer scratch() {
        return scratch;
    }

    @Override
    public String toString() {
        return "MaskCounter" + snapshot();
    }
}
