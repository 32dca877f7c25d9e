package dev.sluice.core.masking;

/**
 * Finds sensitive spans in a text value. Implementations are stateless and safe to share between threads.
 *
 * <p>Built-in detectors are hand-written scanners with a cheap prefilter; they run in time linear in the
 * length of the text, never backtrack, and allocate nothing when the text holds nothing sensitive. They are
 * meant to run on every text value of every result row.
 */
public interface Detector {
    /** The detector's name as written in configuration, e.g. {@code card}, {@code email}. */
    String name();

    /** Reports every sensitive span of {@code text} to {@code out}. */
    void find(CharSequence text, SpanConsumer out);
}
