package dev.sluice.core.audit;

import java.util.List;

/**
 * The audit trail. Thread-safe: every session thread appends to it.
 *
 * <p>{@link #append} returns only once the event is durable. It throws {@link AuditWriteException} otherwise, and
 * the caller must then refuse the action it was about to take (fail closed).
 */
public interface AuditLog extends AutoCloseable {

    /** Appends durably; returns the event's sequence number in the trail. */
    long append(AuditEvent event);

    /**
     * Makes {@code event} durable before the action it describes goes ahead, as cheaply as the store can: a store
     * with a write-ahead journal returns once the event is journaled and indexes it into the trail right after (its
     * seq is not known on return); others append. Throws {@link AuditWriteException} when the event is not durable.
     */
    default void writeAhead(AuditEvent event) {
        append(event);
    }

    /**
     * Appends without waiting for durability, for facts about actions that already happened (a statement's outcome,
     * a session's end): nothing waits on them, and a failure is logged by the store. Order relative to
     * {@link #append} calls from the same thread is kept.
     */
    default void appendLater(AuditEvent event) {
        append(event);
    }

    /** Events matching the query, oldest first. */
    List<AuditRecord> query(AuditQuery query);

    @Override
    void close();
}
