package dev.sluice.server;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import picocli.CommandLine;

import dev.sluice.core.config.Durations;

/** Command-line forms of durations (as in the config: {@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}) and instants. */
final class CliDurations implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** "2h" means two hours ago; otherwise an ISO-8601 instant such as 2026-11-22T02:00:00Z. */
    static Instant instant(String value, Instant now) {
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            try {
                return now.minus(Durations.parse(value));
            } catch (IllegalArgumentException notDuration) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is neither a duration ago (2h) nor an ISO-8601 instant (2026-11-22T02:00:00Z)");
            }
        }
    }
}
