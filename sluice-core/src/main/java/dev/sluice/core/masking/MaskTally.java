package dev.sluice.core.masking;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts what one session masked, per rule, until the counts are {@link #take}n for a statement's audit event.
 * Keys are {@code rule/detector} (a span a detector found) and {@code rule/table.column} (a whole column value).
 * Thread-confined: one tally per relaying thread (it holds the detectors' scratch space).
 */
public final class MaskTally {
    private final Map<String, MaskCounter> byRule = new HashMap<>();
    private MaskingPlan bound;
    private MaskCounter[] counters = new MaskCounter[0];

    /** The counters for {@code plan}'s rules, by rule index. */
    MaskCounter[] bind(MaskingPlan plan) {
        if (plan != bound) {
            MaskCounter[] next = new MaskCounter[plan.size()];
            for (int i = 0; i < next.length; i++) {
                next[i] = byRule.computeIfAbsent(plan.ruleName(i), k -> new MaskCounter());
            }
            counters = next;
            bound = plan;
        }
        return counters;
    }

    /** True when nothing was counted since the last {@link #take}. */
    public boolean isEmpty() {
        for (MaskCounter counter : byRule.values()) {
            if (counter.total() > 0) {
                return false;
            }
        }
        return true;
    }

    /** The counts since the last call, sorted by key, and starts over. Empty when nothing was masked. */
    public Map<String, Long> take() {
        if (isEmpty()) {
            return Map.of();
        }
        Map<String, Long> result = new TreeMap<>();
        byRule.forEach((rule, counter) -> {
            counter.snapshot().forEach((key, count) -> result.put(rule + "/" + key, count));
            counter.reset();
        });
        return Collections.unmodifiableMap(result);
    }
}
