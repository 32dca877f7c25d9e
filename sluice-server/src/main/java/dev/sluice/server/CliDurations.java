package dev.sluice.server;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;

/** Command-line forms of durations ({@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}) and instants. */
final class CliDurations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        Matcher m = FORM.matcher(value.strip());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 90s, 15m, 2h, 1d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** "2h" means two hours ago; otherwise an ISO-8601 instant such as 2026-11-22T02:00:00Z. */
    static Instant instant(String value, Instant now) {
        if (FORM.matcher(value.strip()).matches()) {
            return now.minus(parse(value));
        }
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is neither a duration ago (2h) nor an ISO-8601 instant (2026-11-22T02:00:00Z)");
        }
    }
}
