package dev.sluice.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.flywaydb.core.api.FlywayException;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditWriteException;

/**
 * The embedded audit trail: one SQLite file (WAL, {@code synchronous} per {@link SyncMode}), schema by Flyway, rows
 * hash-chained ({@link ChainHash}), written by one group-commit writer thread ({@link GroupCommitWriter}), signed
 * checkpoints when {@link StoreOptions#checkpointing()} is set.
 *
 * <p>Thread-safe. {@link #append} blocks until the event is committed; concurrent callers share one commit. Other
 * processes may read (and even append to) the same file while this one writes.
 *
 * <p>Fail closed: {@link #append} throws {@link AuditWriteException} when the event is not known to be durable
 * (write error, store closed, no commit within {@link #WRITE_TIMEOUT}); the caller must then refuse the action.
 * A timed-out or interrupted append may still be committed later: the trail over-reports, never under-reports.
 */
public final class SqliteAuditLog implements AuditStore {
    /** How long {@link #append} waits for its commit before giving up (fail closed). */
    public static final Duration WRITE_TIMEOUT = ChainStore.WRITE_TIMEOUT;
    /** The largest {@link AuditQuery#limit()} accepted. */
    public static final int MAX_QUERY_LIMIT = AuditTable.MAX_LIMIT;

    private final Path file;
    private final ChainStore store;

    private SqliteAuditLog(Path file, ChainStore store) {
        this.file = file;
        this.store = store;
    }

    /** Opens with {@link StoreOptions#defaults()}: synchronous NORMAL, no checkpoints. */
    public static SqliteAuditLog open(Path file, Clock clock) {
        return open(file, clock, StoreOptions.defaults());
    }

    /** Opens with {@link StoreOptions#defaults()} and {@code anchor}. */
    public static SqliteAuditLog open(Path file, Clock clock, ChainAnchor anchor) {
        return open(file, clock, StoreOptions.defaults().withAnchor(anchor));
    }

    /**
     * Opens the store at {@code file}: creates missing directories, applies pending migrations, recovers the
     * chain head from the newest row and starts the writer. {@code clock} stamps chain heads and checkpoints;
     * event times come from the events.
     *
     * @throws AuditWriteException if the file cannot be created, opened or migrated
     */
    public static SqliteAuditLog open(Path file, Clock clock, StoreOptions options) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        try {
            PrivateFiles.database(absolute); // 600 before SQLite writes a byte: its -wal and -shm follow
            SqliteFiles.migrate(absolute);
        } catch (IOException | FlywayException e) {
            throw new AuditWriteException("cannot open the audit store " + absolute + ": " + e.getMessage(), e);
        }
        return new SqliteAuditLog(absolute, ChainStore.open(new SqliteBackend(absolute, options.sync()), clock,
                options));
    }

    /** Read-only access to the file, with no writer (migrating it first, so that an empty file can be read). */
    public static AuditStoreReader reader(Path file) {
        Path absolute = file.toAbsolutePath();
        try {
            PrivateFiles.database(absolute); // 600 before SQLite writes a byte: its -wal and -shm follow
            SqliteFiles.migrate(absolute);
        } catch (IOException | FlywayException e) {
            throw new AuditStoreException("cannot open the audit store " + absolute + ": " + e.getMessage(), e);
        }
        return new AuditStoreReader(new SqliteBackend(absolute, SyncMode.NORMAL));
    }

    /** Appends {@code event} and returns its seq once it is durable. */
    @Override
    public long append(AuditEvent event) {
        return store.append(event);
    }

    @Override
    public void writeAhead(AuditEvent event) {
        store.writeAhead(event);
    }

    @Override
    public void appendLater(AuditEvent event) {
        store.appendLater(event);
    }

    @Override
    public CompletableFuture<Long> appendAsync(AuditEvent event) {
        return store.appendAsync(event);
    }

    /**
     * Reads matching events, oldest first; see {@link AuditStoreReader#query}.
     *
     * @throws AuditStoreException if the limit is outside 1..{@link #MAX_QUERY_LIMIT} or the read fails
     */
    @Override
    public List<AuditRecord> query(AuditQuery query) {
        return store.query(query);
    }

    /**
     * Recomputes the whole chain and checks it against every checkpoint (and their signatures when this store
     * signs) and the head this instance last committed. Without checkpoints, a tail deleted while no instance that
     * wrote it is open goes unnoticed.
     */
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

    public Path file() {
        return file;
    }

    /** Commits what is already queued, then closes; later appends throw {@link AuditWriteException}. Idempotent. */
    @Override
    public void close() {
        store.close();
    }

    /** Queues {@code action} to run on the writer thread's connection between batches. For tests that break it. */
    CompletableFuture<Long> onWriterConnection(GroupCommitWriter.WriterAction action) {
        return store.onWriterConnection(action);
    }

    /** Applies retention now, on the writer thread; completes with the number of rows deleted. */
    CompletableFuture<Long> retainNow() {
        return store.retainNow();
    }
}
