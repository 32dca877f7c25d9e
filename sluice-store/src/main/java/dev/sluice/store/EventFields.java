package dev.sluice.store;

import java.util.Objects;

/**
 * The stored content of one event, before it takes its place in the chain: exactly the columns of
 * {@code audit_event} except {@code seq}, {@code prev_hash} and {@code hash}. Absent text is {@code ""}, absent
 * {@code rows} is {@code -1}; {@code groups} and {@code details} are JSON text in the canonical form written by
 * {@link StoreJson}.
 */
record EventFields(long timeMs, String kind, String session, String subject, String groups, String connection,
                   String statement, String verdict, long rows, String error, String details) {

    EventFields {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(groups, "groups");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(details, "details");
    }
}
