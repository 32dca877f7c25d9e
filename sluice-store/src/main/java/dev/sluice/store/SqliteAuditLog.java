package dev.sluice.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

import org.flywaydb.core.api.FlywayException;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditWriteException;

/**
 * The embedded audit trail: one SQLite file (WAL, {@code synchronous=NORMAL}), schema by Flyway, rows hash-chained
 * ({@link ChainHash}), written by one group-commit writer thread ({@link GroupCommitWriter}).
 *
 * <p>Thread-safe. {@link #append} blocks until the event is committed and fsynced; concurrent callers share one
 * commit. Other processes may read (and even append to) the same file while this one writes.
 *
 * <p>Fail closed: {@link #append} throws {@link AuditWriteException} when the event is not known to be durable
 * (write error, store closed, no commit within {@link #WRITE_TIMEOUT}); the caller must then refuse the action.
 * A timed-out or interrupted append may still be committed later: the trail over-reports, never under-reports.
 */
public final class SqliteAuditLog implements AuditLog {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqliteAuditLog.class);
    /** How long {@link #append} waits for its commit before giving up (fail closed). */
    public static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** The largest {@link AuditQuery#limit()} accepted. */
    public static final int MAX_QUERY_LIMIT = AuditTable.MAX_LIMIT;

    private final Path file;
    private final GroupCommitWriter writer;
    private final ReentrantLock readLock = new ReentrantLock();
    private Connection reader;
    private boolean closed;

    private SqliteAuditLog(Path file, Connection reader, GroupCommitWriter writer) {
        this.file = file;
        this.reader = reader;
        this.writer = writer;
    }

    /** Opens (creating directories and file as needed) and migrates the store; see {@link #open(Path, Clock, ChainAnchor)}. */
    public static SqliteAuditLog open(Path file, Clock clock) {
        return open(file, clock, ChainAnchor.none());
    }

    /**
     * Opens the store at {@code file}: creates missing directories, applies pending migrations, and recovers the
     * chain head from the newest row. {@code clock} stamps chain heads; event times come from the events.
     *
     * @throws AuditWriteException if the file cannot be created, opened or migrated
     */
    public static SqliteAuditLog open(Path file, Clock clock, ChainAnchor anchor) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(anchor, "anchor");
        Path absolute = file.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
            SqliteFiles.migrate(absolute);
            Connection reader = SqliteFiles.open(absolute);
            try {
                ChainHead head = AuditTable.head(reader, clock.instant());
                return new SqliteAuditLog(absolute, reader, new GroupCommitWriter(absolute, clock, anchor, head));
            } catch (SQLException | RuntimeException e) {
                reader.close();
                throw e;
            }
        } catch (IOException | SQLException | FlywayException e) {
            throw new AuditWriteException("cannot open the audit store " + absolute + ": " + e.getMessage(), e);
        }
    }

    /** Appends {@code event} and returns its seq once it is durable. */
    @Override
    public long append(AuditEvent event) {
        CompletableFuture<Long> committed = appendAsync(event);
        try {
            return committed.get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AuditWriteException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new AuditWriteException("audit event not committed within " + WRITE_TIMEOUT + " to " + file, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditWriteException("interrupted while waiting for the audit commit", e);
        }
    }

    /**
     * Queues {@code event}; the future completes with its seq once it is durable, or exceptionally with
     * {@link AuditWriteException}. For events whose caller need not wait. Non-async dependent stages run on the
     * writer thread and delay every other append: attach only quick ones.
     *
     * @throws AuditWriteException if the event cannot be encoded or the store is closed
     */
    @Override
    public void appendLater(AuditEvent event) {
        appendAsync(event).exceptionally(e -> {
            LOG.error("audit event {} could not be recorded", event.kind(), e);
            return -1L;
        });
    }

    public CompletableFuture<Long> appendAsync(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        EventFields fields;
        try {
            fields = EventMapper.map(event);
        } catch (RuntimeException e) {
            throw new AuditWriteException("audit event " + event.getClass().getSimpleName()
                    + " cannot be encoded: " + e, e);
        }
        return writer.submit(fields);
    }

    /**
     * Reads matching events, oldest first; the newest are kept when {@code query.limit()} cuts. {@code since} is
     * inclusive, {@code until} exclusive. Sees every commit made before the call, by this or another process.
     *
     * @throws AuditStoreException if the limit is outside 1..{@link #MAX_QUERY_LIMIT} or the read fails
     */
    @Override
    public List<AuditRecord> query(AuditQuery query) {
        Objects.requireNonNull(query, "query");
        return withReader(connection -> AuditTable.query(connection, query));
    }

    /**
     * Recomputes the whole chain from seq 1, and checks that it still reaches the head this instance last committed.
     * A tail deleted while no instance that wrote it is open goes unnoticed (see {@link ChainAnchor}).
     */
    public ChainVerification verify() {
        Optional<ChainHead> known = Optional.of(writer.head()).filter(head -> head.seq() > 0);
        return withReader(connection -> ChainVerifier.verify(connection, known));
    }

    /** The head as of this instance's last commit, or as recovered on open. */
    public ChainHead head() {
        return writer.head();
    }

    public Path file() {
        return file;
    }

    /** Commits what is already queued, then closes; later appends throw {@link AuditWriteException}. Idempotent. */
    @Override
    public void close() {
        try {
            writer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        readLock.lock();
        try {
            closed = true;
            closeReader();
        } finally {
            readLock.unlock();
        }
    }

    /** Queues {@code action} to run on the writer thread's connection between batches. For tests that break it. */
    CompletableFuture<Long> onWriterConnection(GroupCommitWriter.WriterAction action) {
        return writer.maintenance(action);
    }

    private interface ReadAction<T> {
        T run(Connection connection) throws SQLException;
    }

    /** One reader connection, one reader at a time; a failed read discards it and the next read reopens. */
    private <T> T withReader(ReadAction<T> action) {
        readLock.lock();
        try {
            if (closed) {
                throw new AuditStoreException("audit store " + file + " is closed");
            }
            if (reader == null) {
                reader = SqliteFiles.open(file);
            }
            return action.run(reader);
        } catch (SQLException e) {
            closeReader();
            throw new AuditStoreException("reading the audit store " + file + " failed: " + e.getMessage(), e);
        } finally {
            readLock.unlock();
        }
    }

    private void closeReader() {
        if (reader == null) {
            return;
        }
        try {
            reader.close();
        } catch (SQLException ignored) {
            // closing a read-only connection loses nothing
        }
        reader = null;
    }
}
