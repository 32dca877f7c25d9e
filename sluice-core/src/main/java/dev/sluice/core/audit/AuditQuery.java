package dev.sluice.core.audit;

import java.time.Instant;
import java.util.Optional;

/**
 * Filters for reading the trail. Every filter is optional; {@code limit} caps the result (newest events are kept
 * when the cap cuts, and returned oldest first).
 */
public record AuditQuery(Optional<String> subject, Optional<String> connection, Optional<String> session,
                         Optional<String> kind, Optional<Instant> since, Optional<Instant> until, int limit) {

    public static AuditQuery all() {
        return new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 1000);
    }

    public AuditQuery withSubject(String value) {
        return new AuditQuery(Optional.of(value), connection, session, kind, since, until, limit);
    }

    public AuditQuery withConnection(String value) {
        return new AuditQuery(subject, Optional.of(value), session, kind, since, until, limit);
    }

    public AuditQuery withSession(String value) {
        return new AuditQuery(subject, connection, Optional.of(value), kind, since, until, limit);
    }

    public AuditQuery withKind(String value) {
        return new AuditQuery(subject, connection, session, Optional.of(value), since, until, limit);
    }

    public AuditQuery withSince(Instant value) {
        return new AuditQuery(subject, connection, session, kind, Optional.of(value), until, limit);
    }

    public AuditQuery withUntil(Instant value) {
        return new AuditQuery(subject, connection, session, kind, since, Optional.of(value), limit);
    }

    public AuditQuery withLimit(int value) {
        return new AuditQuery(subject, connection, session, kind, since, until, value);
    }
}
