package dev.sluice.core.masking;

import java.util.Arrays;
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
    /** Each detector's prefilter, null for a detector without one (custom regexes: always run). */
    private final Prefiltered[] prefilters;
    private final boolean alwaysScans;

    public TextMasker(List<Detector> detectors, Strategy strategy) {
        this.detectors = detectors.toArray(Detector[]::new);
        this.names = detectors.stream().map(Detector::name).toArray(String[]::new);
        this.strategy = strategy;
        this.prefilters = detectors.stream().map(d -> d instanceof Prefiltered p ? p : null)
                .toArray(Prefiltered[]::new);
        this.alwaysScans = Arrays.asList(prefilters).contains(null);
    }

    /** False only when no detector can find anything in a value with this {@link ByteProfile}. */
    boolean mayMatch(int profile) {
        if (alwaysScans) {
            return true;
        }
        for (Prefiltered p : prefilters) {
            if (p.mayMatch(profile)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #mask(String, MaskCounter)}, skipping the detectors that cannot match a value of this profile. */
    String mask(String value, MaskCounter counter, int profile) {
        SpanBuffer spans = counter.scratch();
        spans.reset(value.length());
        for (int i = 0; i < detectors.length; i++) {
            if (prefilters[i] == null || prefilters[i].mayMatch(profile)) {
                spans.detector(i);
                detectors[i].find(value, spans);
            }
        }
        if (spans.size() == 0) {
            return value;
        }
        return spans.rewrite(value, strategy, names, counter, false);
    }

    /**
     * Returns {@code value} with every detected span replaced, counting one replacement per merged span in
     * {@code counter}. When nothing is detected it returns the very same {@code value} instance, so callers can
     * test {@code result == value} and skip re-encoding.
     */
    public String mask(String value, MaskCounter counter) {
        return maskSpans(value, counter, false);
    }

    /**
     * {@link #mask(String, MaskCounter)} keeping the UTF-8 byte length of {@code value} (for byte-addressed data: a
     * file read at offsets, a terminal): see {@link SpanBuffer#rewrite}. Returns the same instance when nothing is
     * detected.
     */
    public String maskSameLength(String value, MaskCounter counter) {
        return maskSpans(value, counter, true);
    }

    private String maskSpans(String value, MaskCounter counter, boolean sameLength) {
        SpanBuffer spans = counter.scratch();
        spans.reset(value.length());
        for (int i = 0; i < detectors.length; i++) {
            spans.detector(i);
            detectors[i].find(value, spans);
        }
        if (spans.size() == 0) {
            return value;
        }
        return spans.rewrite(value, strategy, names, counter, sameLength);
    }

    /** The detectors in the order they run. */
    public List<Detector> detectors() {
        return List.of(detectors);
    }

    public Strategy strategy() {
        return strategy;
    }
}
