package dev.sluice.postgres.masking;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

import dev.sluice.core.masking.Strategy;

/**
 * The clear values this session's results had masked, most recent first, bounded: a later error, notice,
 * notification or reported setting that quotes one of them verbatim gets it redacted, whatever produced the text
 * (database code, another session). A second line of defence behind lineage and the detectors. Values shorter than
 * {@link #MIN_LENGTH} (a pin, a digit) or longer than {@link #MAX_LENGTH} are not kept. Confined to the
 * upstream-to-client thread.
 */
public final class MaskedValues {
    static final int MIN_LENGTH = 6;
    static final int MAX_LENGTH = 256;
    static final int CAPACITY = 512;

    private final ArrayDeque<String> order = new ArrayDeque<>();
    private final Set<String> values = new HashSet<>();

    /** Remembers a clear value that was just masked. */
    void add(String value) {
        String v = value.strip();
        if (v.length() < MIN_LENGTH || v.length() > MAX_LENGTH || !values.add(v)) {
            return;
        }
        order.addFirst(v);
        if (order.size() > CAPACITY) {
            values.remove(order.removeLast());
        }
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    /** {@code text} with every remembered value redacted; the same instance when none occurs. */
    public String scrub(String text) {
        if (values.isEmpty() || text.length() < MIN_LENGTH) {
            return text;
        }
        String result = text;
        for (String value : order) {
            if (result.contains(value)) {
                result = result.replace(value, Strategy.REDACTED);
            }
        }
        return result;
    }
}
