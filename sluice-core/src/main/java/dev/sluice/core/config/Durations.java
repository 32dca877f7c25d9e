package dev.sluice.core.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses configuration durations: one or more {@code <number><unit>} parts, units ms, s, m, h, d. */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("(?:[0-9]{1,9}(?:ms|s|m|h|d))+");
    private static final Pattern PART = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses {@code 30s}, {@code 15m}, {@code 2h}, {@code 400d}, {@code 1h30m}, {@code 500ms}.
     *
     * @throws IllegalArgumentException naming the expected form
     */
    public static Duration parse(String text) {
        String trimmed = text.strip();
        if (trimmed.length() > 64 || !WHOLE.matcher(trimmed).matches()) {
            throw new IllegalArgumentException("invalid duration '" + HostPort.shorten(trimmed)
                    + "' (expected a number and a unit: ms, s, m, h or d, e.g. 15m or 1h30m)");
        }
        Duration result = Duration.ZERO;
        Matcher part = PART.matcher(trimmed);
        while (part.find()) {
            long amount = Long.parseLong(part.group(1));
            result = result.plus(switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            });
        }
        return result;
    }
}
