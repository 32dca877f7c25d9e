package dev.sluice.store;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditWriteException;

/**
 * The shared audit trail in PostgreSQL, for several Sluice replicas: the same schema, chain, checkpoints and
 * verification as {@link SqliteAuditLog}. Each replica's group-commit writer takes the chain's transaction-level
 * advisory lock before it reads the head and inserts its batch ({@link PostgresBackend}), so the replicas' events
 * interleave batch by batch into one gap-free chain. Replicas that sign checkpoints share one signing key.
 *
 * <p>Thread-safe; fail closed like {@link SqliteAuditLog}.
 */
public final class PostgresAuditLog implements AuditStore {
    private final ChainStore store;

    private PostgresAuditLog(ChainStore store) {
        this.store = store;
    }

    /**
     * Connects, applies pending migrations, recovers the head and starts the writer.
     *
     * @throws AuditWriteException if the database cannot be reached or migrated
     */
    public static PostgresAuditLog open(PostgresStoreConfig config, Clock clock, StoreOptions options) {
        Objects.requireNonNull(config, "config");
        return new PostgresAuditLog(ChainStore.open(backend(config), clock, options));
    }

    /** Read-only access, with no writer. */
    public static AuditStoreReader reader(PostgresStoreConfig config) {
        return new AuditStoreReader(backend(config));
    }

    private static PostgresBackend backend(PostgresStoreConfig config) {
        try {
            return PostgresBackend.open(config);
        } catch (RuntimeException e) {
            throw new AuditWriteException("cannot open the audit store " + config.url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long append(AuditEvent event) {
        return store.append(event);
    }

    @Override
    public void appendLater(AuditEvent event) {
        store.appendLater(event);
    }

    @Override
    public CompletableFuture<Long> appendAsync(AuditEvent event) {
        return store.appendAsync(event);
    }

    @Override
    public List<AuditRecord> query(AuditQuery query) {
        return store.query(query);
    }

    @Override
    public ChainVerification verify() {
        return store.verify();
    }

    @Override
    public ChainVerification verify(VerifyOptions options) {
        return store.verify(options);
    }

    @Override
    public ChainHead head() {
        return store.head();
    }

    @Override
    public void flush() {
        store.flush();
    }

    @Override
    public java.util.Optional<String> writeBlocked() {
        return store.writeBlocked();
    }

    @Override
    public int queueDepth() {
        return store.queueDepth();
    }

    @Override
    public String name() {
        return store.name();
    }

    @Override
    public void close() {
        store.close();
    }
}
