package dev.sluice.core.masking;

import java.util.Arrays;

/**
 * Collects the spans all detectors report for one value, then merges overlapping ones and rewrites the value.
 * Reused between values by one thread (it lives in a {@link MaskCounter}); grows only when a value has spans.
 */
final class SpanBuffer implements SpanConsumer {
    private static final int INITIAL = 8;

    private long[] spans = new long[0]; // start << 32 | index into ends/detectors
    private int[] ends = new int[0];
    private int[] detectors = new int[0];
    private int size;
    private int detector;
    private int limit;

    void reset(int textLength) {
        size = 0;
        limit = textLength;
    }

    void detector(int index) {
        detector = index;
    }

    int size() {
        return size;
    }

    @Override
    public void accept(int start, int end) {
        if (start < 0 || end > limit || start >= end) {
            return; // a detector bug must not corrupt the value; such a span is ignored
        }
        if (size == ends.length) {
            int capacity = Math.max(INITIAL, size * 2);
            spans = Arrays.copyOf(spans, capacity);
            ends = Arrays.copyOf(ends, capacity);
            detectors = Arrays.copyOf(detectors, capacity);
        }
        spans[size] = ((long) start << 32) | size;
        ends[size] = end;
        detectors[size] = detector;
        size++;
    }

    /**
     * Replaces the merged spans of {@code value}. A merged span is counted once, for the detector of its
     * first-starting span (the earlier detector in the list on a tie). With {@code sameLength} the value keeps its
     * UTF-8 byte length: a span becomes the strategy's output when that has the span's byte length ({@code partial}
     * on ASCII), else each of its letters and digits becomes as many {@code *} as the letter's UTF-8 bytes
     * (separators kept), and a span never splits a surrogate pair.
     */
    String rewrite(String value, Strategy strategy, String[] names, MaskCounter counter, boolean sameLength) {
        Arrays.sort(spans, 0, size);
        StringBuilder result = new StringBuilder(value.length() + (sameLength ? 0 : 16));
        int copied = 0;
        int i = 0;
        while (i < size) {
            int first = (int) spans[i];
            int start = (int) (spans[i] >>> 32);
            int end = ends[first];
            int owner = detectors[first];
            for (i++; i < size && (int) (spans[i] >>> 32) < end; i++) {
                end = Math.max(end, ends[(int) spans[i]]);
            }
            if (sameLength) {
                // widen to whole code points
                if (start > 0 && Character.isLowSurrogate(value.charAt(start))) {
                    start--;
                }
                if (end < value.length() && Character.isLowSurrogate(value.charAt(end))) {
                    end++;
                }
                start = Math.max(start, copied);
            }
            String span = value.substring(start, end);
            String replaced = strategy.apply(span);
            result.append(value, copied, start);
            if (sameLength && (replaced.equals(span) || utf8Length(replaced) != utf8Length(span))) {
                span.codePoints().forEach(c -> {
                    if (Character.isLetterOrDigit(c)) {
                        result.repeat('*', utf8Length(Character.toString(c)));
                    } else {
                        result.appendCodePoint(c);
                    }
                });
            } else {
                result.append(replaced);
            }
            copied = end;
            counter.increment(names[owner]);
        }
        return result.append(value, copied, value.length()).toString();
    }

    private static int utf8Length(String text) {
        int result = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                result++;
            } else if (c < 0x800) {
                result += 2;
            } else if (Character.isHighSurrogate(c)) {
                result += 4;
                i++;
            } else {
                result += 3;
            }
        }
        return result;
    }
}
