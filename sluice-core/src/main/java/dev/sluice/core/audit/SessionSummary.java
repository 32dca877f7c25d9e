package dev.sluice.core.audit;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One session as the trail tells it.
 *
 * @param statements how many statements were judged in it (allowed or not)
 * @param endReason  why it ended, empty while it is open (or when its end was never recorded)
 */
public record SessionSummary(String id, String subject, String connection, String protocol, Instant started,
                             Optional<Instant> ended, long statements, String endReason) {
    public SessionSummary {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(ended, "ended");
        Objects.requireNonNull(endReason, "endReason");
    }
}
