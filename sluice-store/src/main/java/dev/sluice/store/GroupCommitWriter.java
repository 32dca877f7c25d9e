package dev.sluice.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditWriteException;

/**
 * The single writer of one audit file, with group commit. Callers on any thread {@link #submit} an event and get a
 * future; one platform thread (JDBC into native SQLite would pin a virtual one) takes what has queued up, up to
 * {@link #MAX_BATCH} events, links them to the chain in one {@code BEGIN IMMEDIATE} transaction, commits (one fsync)
 * and then completes each caller's future with its seq. Everything else in this class runs on that thread.
 *
 * <p>Invariants: the chain head is read from the database inside the write transaction, so it is advanced only by
 * a commit and never by a failed batch, and a second writer on the same file cannot fork the chain. If anything in
 * a batch fails, the batch is rolled back and every caller in it gets {@link AuditWriteException} (fail closed:
 * their actions must not proceed); the connection is then discarded and reopened for the next batch. The queue is
 * bounded ({@link #QUEUE_CAPACITY}): when the disk is slower than the callers, callers wait to enqueue instead of
 * the queue growing without limit.
 */
final class GroupCommitWriter {
    static final int QUEUE_CAPACITY = 16_384;
    static final int MAX_BATCH = 2_048;
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** SQL run on the writer's connection, between batches (tests use it to break the connection). */
    @FunctionalInterface
    interface WriterAction {
        void run(Connection connection) throws SQLException;
    }

    private sealed interface Job permits Append, Maintenance, Stop {
    }

    private record Append(EventFields fields, CompletableFuture<Long> done) implements Job {
    }

    private record Maintenance(WriterAction action, CompletableFuture<Long> done) implements Job {
    }

    private enum Stop implements Job { INSTANCE }

    private final Path file;
    private final Clock clock;
    private final ChainAnchor anchor;
    private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final ChainHash chain = new ChainHash();
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ChainHead head;
    private Connection connection;

    GroupCommitWriter(Path file, Clock clock, ChainAnchor anchor, ChainHead recovered) {
        this.file = file;
        this.clock = clock;
        this.anchor = anchor;
        this.head = recovered;
        this.thread = Thread.ofPlatform().name("sluice-audit-writer").daemon().unstarted(this::run);
        thread.start();
    }

    /** The head as of this writer's last commit (or as recovered on open). */
    ChainHead head() {
        return head;
    }

    CompletableFuture<Long> submit(EventFields fields) {
        return enqueue(new Append(fields, new CompletableFuture<>()));
    }

    CompletableFuture<Long> maintenance(WriterAction action) {
        return enqueue(new Maintenance(action, new CompletableFuture<>()));
    }

    /** Commits what was queued before, fails what raced with closing, and stops the writer thread. */
    void close() throws InterruptedException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        queue.put(Stop.INSTANCE);
        thread.join();
    }

    private CompletableFuture<Long> enqueue(Job job) {
        if (closed.get()) {
            throw closedException();
        }
        try {
            queue.put(job);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditWriteException("interrupted while queueing an audit event", e);
        }
        // close() sets the flag before enqueueing Stop; a job put after Stop is still queued here and taken back.
        if (closed.get() && queue.remove(job)) {
            throw closedException();
        }
        return future(job);
    }

    private void run() {
        List<Job> jobs = new ArrayList<>(MAX_BATCH);
        List<Append> batch = new ArrayList<>(MAX_BATCH);
        boolean running = true;
        while (running) {
            jobs.clear();
            try {
                jobs.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(jobs, MAX_BATCH - 1);
            for (Job job : jobs) {
                if (!running) {
                    fail(job);
                    continue;
                }
                switch (job) {
                    case Append append -> batch.add(append);
                    case Maintenance maintenance -> {
                        write(batch);
                        runMaintenance(maintenance);
                    }
                    case Stop stop -> running = false;
                }
            }
            write(batch);
        }
        for (Job job = queue.poll(); job != null; job = queue.poll()) {
            fail(job);
        }
        discardConnection();
    }

    private void write(List<Append> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            ChainHead committed = commit(batch);
            head = committed;
            long first = committed.seq() - batch.size() + 1;
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(first + i);
            }
            notifyAnchor(committed);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            discardConnection();
            AuditWriteException failure = new AuditWriteException(
                    "audit store " + file + " could not commit " + batch.size() + " event(s): " + e.getMessage(), e);
            batch.forEach(append -> append.done().completeExceptionally(failure));
        } finally {
            batch.clear();
        }
    }

    /** One transaction for the whole batch; returns only once COMMIT returned (durable). */
    private ChainHead commit(List<Append> batch) throws SQLException {
        List<EventFields> rows = new ArrayList<>(batch.size());
        batch.forEach(append -> rows.add(append.fields()));
        return AuditTable.appendAll(connection(), chain, rows, clock);
    }

    private void runMaintenance(Maintenance job) {
        try {
            job.action().run(connection());
            job.done().complete(0L);
        } catch (SQLException | RuntimeException e) {
            job.done().completeExceptionally(e);
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = SqliteFiles.open(file);
        }
        return connection;
    }

    private void rollbackQuietly() {
        if (connection == null) {
            return;
        }
        try (Statement control = connection.createStatement()) {
            control.execute("ROLLBACK");
        } catch (SQLException | RuntimeException ignored) {
            // no transaction was open, or the connection is gone; it is discarded next either way
        }
    }

    private void discardConnection() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("closing the audit store connection failed: {}", e.getMessage());
        }
        connection = null;
    }

    private void notifyAnchor(ChainHead committed) {
        try {
            anchor.committed(committed);
        } catch (RuntimeException e) {
            LOG.warn("chain anchor failed at seq {}: {}", committed.seq(), e.toString());
        }
    }

    private AuditWriteException closedException() {
        return new AuditWriteException("audit store " + file + " is closed", null);
    }

    private void fail(Job job) {
        if (!(job instanceof Stop)) {
            future(job).completeExceptionally(closedException());
        }
    }

    private static CompletableFuture<Long> future(Job job) {
        return switch (job) {
            case Append append -> append.done();
            case Maintenance maintenance -> maintenance.done();
            case Stop stop -> throw new IllegalStateException("Stop has no future");
        };
    }
}
