package dev.sluice.core.audit;

import java.util.List;

/**
 * The trail read forward from a cursor: what an exporter tails. Thread-safe.
 */
public interface AuditFeed {

    /** Events with a seq greater than {@code afterSeq}, oldest first, at most {@code limit} of them. */
    List<AuditRecord> after(long afterSeq, int limit);

    /** The newest event's seq; 0 for an empty trail. */
    long headSeq();
}
