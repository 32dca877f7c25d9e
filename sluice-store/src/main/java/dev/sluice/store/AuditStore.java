package dev.sluice.store;

import java.util.concurrent.CompletableFuture;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditWriteException;

/**
 * A hash-chained audit trail with signed checkpoints: the embedded {@link SqliteAuditLog} or the shared
 * {@link PostgresAuditLog}. Thread-safe.
 */
public interface AuditStore extends AuditLog {

    /**
     * Queues {@code event}; the future completes with its seq once it is durable, or exceptionally with
     * {@link AuditWriteException}. Non-async dependent stages run on the writer thread: attach only quick ones.
     *
     * @throws AuditWriteException if the event cannot be encoded or the store is closed
     */
    CompletableFuture<Long> appendAsync(AuditEvent event);

    /**
     * Walks the whole trail: the chain, every checkpoint (signatures against this store's own key when it signs),
     * and the head this instance committed last.
     */
    ChainVerification verify();

    /** Walks the whole trail with {@code options} (plus this instance's last committed head). */
    ChainVerification verify(VerifyOptions options);

    /** The head as of this instance's last commit, or as recovered on open. */
    ChainHead head();

    /** Waits until every event appended or written ahead before this call is committed and queryable. */
    void flush();

    /** Events queued for the writer and not yet committed (a gauge for operators; 0 when unknown). */
    default int queueDepth() {
        return 0;
    }

    /**
     * Why this store refuses every write until Sluice restarts (its write-ahead journal stopped after a failed
     * commit), or empty. For readiness; the writes themselves throw {@link AuditWriteException} either way.
     */
    default java.util.Optional<String> writeBlocked() {
        return java.util.Optional.empty();
    }

    /** Names the store in messages: its file, or its JDBC URL. */
    String name();
}
