package dev.sluice.core.masking;

/** Receives the {@code [start, end)} character ranges a {@link Detector} finds in a text value. */
@FunctionalInterface
public interface SpanConsumer {
    /**
     * Reports one sensitive span. Spans from one detector come in no guaranteed order and may overlap.
     *
     * @param start index of the first character of the span
     * @param end index one past the last character; greater than {@code start}
     */
    void accept(int start, int end);
}
