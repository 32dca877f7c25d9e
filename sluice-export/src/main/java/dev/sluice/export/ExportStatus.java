package dev.sluice.export;

import java.time.Instant;
import java.util.Optional;

/**
 * How far one sink has got.
 *
 * @param cursor      the seq of the last event delivered
 * @param head        the newest seq in the trail when the status was taken
 * @param failures    consecutive failed deliveries (0 when the last one succeeded)
 * @param lastError   the last failure's message, empty after a success
 * @param lastSuccess when a batch was last delivered
 * @param delivered   events delivered since start
 */
public record ExportStatus(String name, String type, long cursor, long head, int failures, String lastError,
                           Optional<Instant> lastSuccess, long delivered) {
    /** Events written but not yet delivered. */
    public long lag() {
        return Math.max(0, head - cursor);
    }
}
