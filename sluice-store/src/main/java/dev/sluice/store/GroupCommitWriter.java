package dev.sluice.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditWriteException;

/**
 * The single writer of one audit store, with group commit. Callers on any thread {@link #submit} an event and get a
 * future; one platform thread (JDBC into native SQLite would pin a virtual one) takes what has queued up, up to
 * {@link #MAX_BATCH} events, links them to the chain in one write transaction under the store's chain lock
 * ({@link StoreBackend#beginWrite}), commits (one fsync) and then completes each caller's future with its seq.
 * Between batches it signs checkpoints and applies retention ({@link CheckpointWriter}). Everything else in this
 * class runs on that thread.
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
    static final java.time.Duration GATHER = java.time.Duration.ofMillis(5);
    static final int MAX_BATCH = 2_048;
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** SQL run on the writer's connection, between batches (tests use it to break the connection). */
    @FunctionalInterface
    interface WriterAction {
        void run(Connection connection) throws SQLException;
    }

    private sealed interface Job permits Append, Maintenance, Stop {
    }

    /**
     * What a write-ahead journal needs from the writer: to record, inside each batch's transaction, how far the
     * journal is committed; and to hear whether the batch committed. Each call names the batch's journaled events
     * (journal id to event), never empty.
     */
    interface JournalHook {
        JournalHook NONE = new JournalHook() {
            @Override
            public void beforeCommit(Connection connection, SortedMap<Long, EventFields> journaled) {
            }

            @Override
            public void committed(SortedMap<Long, EventFields> journaled) {
            }

            @Override
            public void failed(SortedMap<Long, EventFields> journaled) {
            }
        };

        void beforeCommit(Connection connection, SortedMap<Long, EventFields> journaled) throws SQLException;

        void committed(SortedMap<Long, EventFields> journaled);

        void failed(SortedMap<Long, EventFields> journaled);
    }

    /**
     * {@code journalId} is 0 for an event that is not in a write-ahead journal; {@code urgent} when a caller may be
     * blocked on {@code done} (it is committed at once; others may wait {@link #GATHER} for company).
     */
    private record Append(EventFields fields, long journalId, boolean urgent, CompletableFuture<Long> done)
            implements Job {
    }

    private record Maintenance(WriterAction action, CompletableFuture<Long> done) implements Job {
    }

    private enum Stop implements Job { INSTANCE }

    private final StoreBackend backend;
    private final Clock clock;
    private final ChainAnchor anchor;
    private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final ChainHash chain = new ChainHash();
    private final CheckpointWriter checkpoints;
    private final Thread thread;
    private final JournalHook journal;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ChainHead head;
    private Connection connection;

    GroupCommitWriter(StoreBackend backend, Clock clock, ChainAnchor anchor, ChainHead recovered,
                      Optional<Checkpointing> checkpointing) {
        this(backend, clock, anchor, recovered, checkpointing, JournalHook.NONE);
    }

    GroupCommitWriter(StoreBackend backend, Clock clock, ChainAnchor anchor, ChainHead recovered,
                      Optional<Checkpointing> checkpointing, JournalHook journal) {
        this.journal = journal;
        this.backend = backend;
        this.clock = clock;
        this.anchor = anchor;
        this.head = recovered;
        this.checkpoints = new CheckpointWriter(backend, clock, checkpointing);
        this.thread = Thread.ofPlatform().name("sluice-audit-writer").daemon().unstarted(this::run);
        thread.start();
    }

    /** The head as of this writer's last commit (or as recovered on open). */
    ChainHead head() {
        return head;
    }

    CompletableFuture<Long> submit(EventFields fields) {
        return submit(fields, 0);
    }

    CompletableFuture<Long> submit(EventFields fields, long journalId) {
        return enqueue(new Append(fields, journalId, journalId == 0, new CompletableFuture<>()));
    }

    /** An event nobody waits for (already journaled, or a fact about something past): it may wait to be batched. */
    CompletableFuture<Long> submitLater(EventFields fields) {
        return enqueue(new Append(fields, 0, false, new CompletableFuture<>()));
    }

    CompletableFuture<Long> maintenance(WriterAction action) {
        return enqueue(new Maintenance(action, new CompletableFuture<>()));
    }

    /** Jobs queued and not yet taken by the writer thread. */
    int queued() {
        return queue.size();
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
            if (urgent(job)) {
                LockSupport.unpark(thread); // it may be sleeping in gather()
            }
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

    /** Queues retention now (tests with a fixed clock); completes with the number of deleted rows. */
    CompletableFuture<Long> retainNow() {
        CompletableFuture<Long> result = new CompletableFuture<>();
        maintenance(connection -> result.complete(checkpoints.retain(connection)))
                .whenComplete((ignored, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    }
                });
        return result;
    }

    private void run() {
        List<Job> jobs = new ArrayList<>(MAX_BATCH);
        List<Append> batch = new ArrayList<>(MAX_BATCH);
        duty(checkpoints::onStart, "signing the recovered head");
        boolean running = true;
        while (running) {
            jobs.clear();
            try {
                long wait = checkpoints.waitNanos();
                Job first = wait < 0 ? queue.take() : queue.poll(wait, TimeUnit.NANOSECONDS);
                if (first == null) {
                    duty(checkpoints::onIdle, "a timed checkpoint");
                    continue;
                }
                jobs.add(first);
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(jobs, MAX_BATCH - 1);
            gather(jobs);
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
            duty(checkpoints::onIdle, "a timed checkpoint");
        }
        duty(checkpoints::onStop, "the closing checkpoint");
        for (Job job = queue.poll(); job != null; job = queue.poll()) {
            fail(job);
        }
        discardConnection();
    }

    /** Checkpoint and retention work: a failure is logged and retried later; appends go on (they are chained). */
    private void duty(WriterAction action, String what) {
        try {
            action.run(connection());
        } catch (SQLException | RuntimeException e) {
            LOG.warn("audit store {}: {} failed: {}", backend.name(), what, e.toString());
            rollbackQuietly();
            discardConnection();
        }
    }

    /**
     * When nobody is blocked on what was taken (journaled events, facts about the past), waits up to {@link #GATHER}
     * for more: one commit for many events instead of one each. It sleeps instead of waking for each event that
     * arrives (under load that was a wake-up and a context switch per event); an urgent job unparks it
     * ({@link #enqueue}) and ends the wait at once.
     */
    private void gather(List<Job> jobs) {
        if (jobs.stream().anyMatch(GroupCommitWriter::urgent)) {
            return;
        }
        long deadline = System.nanoTime() + GATHER.toNanos();
        while (jobs.size() < MAX_BATCH) {
            int seen = jobs.size();
            queue.drainTo(jobs, MAX_BATCH - seen);
            for (int i = seen; i < jobs.size(); i++) {
                if (urgent(jobs.get(i))) {
                    return;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted()) {
                return;
            }
            LockSupport.parkNanos(this, left);
        }
    }

    private static boolean urgent(Job job) {
        return !(job instanceof Append append) || append.urgent();
    }

    private void write(List<Append> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            boolean[] checkpointed = new boolean[1];
            List<EventFields> rows = new ArrayList<>(batch.size());
            batch.forEach(append -> rows.add(append.fields()));
            SortedMap<Long, EventFields> journaled = new TreeMap<>();
            batch.stream().filter(a -> a.journalId() > 0).forEach(a -> journaled.put(a.journalId(), a.fields()));
            ChainHead committed;
            try {
                committed = AuditTable.appendAll(backend, connection(), chain, rows, clock, (c, next) -> {
                    if (!journaled.isEmpty()) {
                        journal.beforeCommit(c, journaled);
                    }
                    checkpointed[0] = checkpoints.beforeCommit(c, next, rows.size());
                });
            } catch (SQLException | RuntimeException e) {
                if (!journaled.isEmpty()) {
                    journal.failed(journaled);
                }
                throw e;
            }
            if (!journaled.isEmpty()) {
                journal.committed(journaled);
            }
            head = committed;
            checkpoints.committed(committed, batch.size(), checkpointed[0]);
            long first = committed.seq() - batch.size() + 1;
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(first + i);
            }
            notifyAnchor(committed);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            discardConnection();
            AuditWriteException failure = new AuditWriteException(
                    "audit store " + backend.name() + " could not commit " + batch.size() + " event(s): " + e.getMessage(), e);
            batch.forEach(append -> append.done().completeExceptionally(failure));
        } finally {
            batch.clear();
        }
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
            connection = backend.openWriter();
        }
        return connection;
    }

    private void rollbackQuietly() {
        if (connection == null) {
            return;
        }
        try {
            backend.rollback(connection);
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
        return new AuditWriteException("audit store " + backend.name() + " is closed", null);
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
