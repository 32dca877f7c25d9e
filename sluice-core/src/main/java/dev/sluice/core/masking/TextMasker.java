package dev.sluice.core.masking;

import java.util.List;

/**
 * Masks the sensitive spans of text values: runs every detector over a value, merges overlapping spans and
 * replaces each with the strategy's output ({@link Strategy.Nullify} redacts, since a span cannot be NULL).
 * Immutable and safe to share; the per-call state lives in the caller's thread-confined {@link MaskCounter}.
 */
public final class TextMasker {
    private final Detector[] detectors;
    private final String[] names;
    private final Strategy strategy;
    /** The detectors' byte prefilters; null when some detector has none (then the value is always scanned). */
    private final Prefiltered[] prefilters;

    public TextMasker(List<Detector> detectors, Strategy strategy) {
        this.detectors = detectors.toArray(Detector[]::new);
        this.names = detectors.stream().map(Detector::name).toArray(String[]::new);
        this.strategy = strategy;
        this.prefilters = detectors.stream().allMatch(d -> d instanceof Prefiltered)
                ? detectors.stream().map(d -> (Prefiltered) d).toArray(Prefiltered[]::new) : null;
    }

    /** False only when no detector can find anything in a value with this {@link ByteProfile}. */
    boolean mayMatch(int profile) {
        if (prefilters == null) {
            return true;
        }
        for (Prefiltered p : prefilters) {
            if (p.mayMatch(profile)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns {@code value} with every detected span replaced, counting one replacement per merged span in
     * {@code counter}. When nothing is detected it returns the very same {@code value} instance, so callers can
     * test {@code result == value} and skip re-encoding.
     */
    public String mask(String value, MaskCounter counter) {
        SpanBuffer spans = counter.scratch();
        spans.reset(value.length());
        for (int i = 0; i < detectors.length; i++) {
            spans.detector(i);
            detectors[i].find(value, spans);
        }
        if (spans.size() == 0) {
            return value;
        }
        return spans.rewrite(value, strategy, names, counter);
    }

    /** The detectors in the order they run. */
    public List<Detector> detectors() {
        return List.of(detectors);
    }

    public Strategy strategy() {
        return strategy;
    }
}
