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

    /** Events matching the query, oldest first. */
    List<AuditRecord> query(AuditQuery query);

    @Override
    void close();
}
