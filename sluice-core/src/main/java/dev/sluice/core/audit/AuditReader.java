package dev.sluice.core.audit;

import java.util.List;
import java.util.Optional;

/**
 * Read access to the trail for auditors: filtered, paginated searches and the sessions it holds. Thread-safe.
 */
public interface AuditReader extends AuditFeed, AutoCloseable {

    /** Matching events with a seq greater than {@code search.afterSeq()}, oldest first, at most its limit. */
    List<AuditRecord> search(AuditSearch search);

    /**
     * Sessions that started (a {@code session.start} event) matching the subject, connection, since and until
     * filters of {@code search} (on their start), newest first, at most its limit.
     */
    List<SessionSummary> sessions(AuditSearch search);

    /** One session, if the trail holds its start. */
    Optional<SessionSummary> session(String id);

    @Override
    void close();
}
