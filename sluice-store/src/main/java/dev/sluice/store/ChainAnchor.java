package dev.sluice.store;

/**
 * Receives the chain head after every committed batch: the extension point for signed checkpoints (sign the head,
 * store it outside the database, later check {@link SqliteAuditLog#verify()}'s chain against it).
 *
 * <p>Called on the store's single writer thread, after the commit and after the appending callers were released:
 * an implementation must be quick and must not call back into the store's {@code append}. An exception it throws
 * is logged and ignored; the batch is already durable.
 */
@FunctionalInterface
public interface ChainAnchor {

    void committed(ChainHead head);

    /** Keeps nothing. */
    static ChainAnchor none() {
        return head -> { };
    }
}
