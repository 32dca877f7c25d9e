package dev.sluice.core.masking;

/**
 * A built-in {@link Detector} that can tell from a value's {@link ByteProfile} alone that it finds nothing in it.
 * {@link #mayMatch} must never say false for a value in which {@link Detector#find} would report a span: a wrong
 * answer lets a sensitive value through unmasked. Detectors without such a test (custom regexes) are always run.
 */
interface Prefiltered {
    /** False only when {@code find} cannot report anything in a value with this profile. */
    boolean mayMatch(int profile);
}
