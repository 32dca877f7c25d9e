package dev.sluice.store;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditWriteException;

/**
 * The one implementation of {@link AuditStore} behind both public stores: a {@link GroupCommitWriter} and an
 * {@link AuditStoreReader} over one {@link StoreBackend}. Thread-safe.
 *
 * <p>Fail closed: {@link #append} throws {@link AuditWriteException} when the event is not known to be durable
 * (write error, store closed, no commit within {@link #WRITE_TIMEOUT}); the caller must then refuse the action.
 * A timed-out or interrupted append may still be committed later: the trail over-reports, never under-reports.
 */
final class ChainStore implements AuditStore {
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    static final Duration RESUME_INTERVAL = Duration.ofSeconds(1);
    static final int MAX_RETRY = 100_000;
    private static final Logger LOG = LoggerFactory.getLogger(ChainStore.class);

    private final StoreBackend backend;
    private final Clock clock;
    private final StoreOptions options;
    private final AuditStoreReader reader;
    private final GroupCommitWriter writer;
    private final Optional<AuditJournal> journal;
    private final ReentrantLock closing = new ReentrantLock();
    private boolean closed;
    /** Replays the journal's pending events and retries the failed after-the-fact events. */
    private final Thread resumer;
    /** After-the-fact events ({@link #appendLater}) whose commit failed, kept to be written again (bounded). */
    private final java.util.concurrent.ConcurrentLinkedQueue<EventFields> retry =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger retrying = new java.util.concurrent.atomic.AtomicInteger();

    private ChainStore(StoreBackend backend, Clock clock, StoreOptions options, ChainHead recovered,
                       Optional<AuditJournal> journal) {
        this.backend = backend;
        this.clock = clock;
        this.options = options;
        this.journal = journal;
        this.reader = new AuditStoreReader(backend);
        this.writer = new GroupCommitWriter(backend, clock, options.anchor(), recovered, options.checkpointing(),
                journal.<GroupCommitWriter.JournalHook>map(j -> j).orElse(GroupCommitWriter.JournalHook.NONE));
        this.resumer = Thread.ofVirtual().name("sluice-audit-resume").start(this::resume);
    }

    /**
     * Every {@link #RESUME_INTERVAL} while the journal is stopped after a failed commit: submits its pending events
     * again; once they are all committed the journal takes writes again, with nobody restarting anything. A store
     * that still cannot be written fails the attempt; the next one follows.
     */
    private void resume() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(RESUME_INTERVAL);
                if (journal.isEmpty() || !journal.get().broken()) {
                    retryLater();
                    continue;
                }
                AuditJournal j = journal.get();
                List<CompletableFuture<Long>> replayed = j.replayPending(writer::submit);
                try {
                    CompletableFuture.allOf(replayed.toArray(CompletableFuture[]::new))
                            .get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    LOG.debug("audit journal: pending events not committed yet: {}", e.getMessage());
                }
                if (!j.broken()) {
                    LOG.warn("audit store {}: the journal resumed after a failed commit; {} pending event(s) are "
                            + "in the trail", backend.name(), replayed.size());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.debug("audit journal: replay not possible now: {}", e.getMessage()); // store closing
            }
        }
    }

    /** Recovers the head and starts the writer; closes {@code backend} when that fails. */
    static ChainStore open(StoreBackend backend, Clock clock, StoreOptions options) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(options, "options");
        try {
            ChainHead head = backend.read(connection -> AuditTable.head(connection, clock.instant()));
            if (!(backend instanceof SqliteBackend sqlite) || options.sync() != SyncMode.NORMAL) {
                return new ChainStore(backend, clock, options, head, Optional.empty());
            }
            // The embedded store with sync: normal writes ahead to a journal (see AuditJournal).
            List<AuditJournal.Entry> found = new ArrayList<>();
            AuditJournal journal = AuditJournal.open(sqlite.file(), found);
            long mark = backend.read(AuditJournal::mark);
            ChainStore result = new ChainStore(backend, clock, options, head, Optional.of(journal));
            journal.recover(found, mark, entry -> result.writer.submit(entry.fields(), entry.id()));
            return result;
        } catch (SQLException | RuntimeException e) {
            backend.close();
            throw new AuditWriteException("cannot open the audit store " + backend.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long append(AuditEvent event) {
        CompletableFuture<Long> committed = appendAsync(event);
        try {
            return committed.get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AuditWriteException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new AuditWriteException("audit event not committed within " + WRITE_TIMEOUT + " to "
                    + backend.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditWriteException("interrupted while waiting for the audit commit", e);
        }
    }

    /**
     * Durable on return, like {@link #append}, but without waiting for the database commit when the store keeps a
     * write-ahead journal: the event is in the journal, and in the trail (with its seq) right after.
     */
    @Override
    public void writeAhead(AuditEvent event) {
        if (journal.isEmpty()) {
            append(event);
            return;
        }
        EventFields fields = encode(event);
        closing.lock();
        try {
            if (closed) {
                throw new AuditWriteException("audit store " + backend.name() + " is closed", null);
            }
            journal.get().write(fields, writer::submit).exceptionally(e -> {
                LOG.error("journaled audit event {} could not be indexed yet; it is replayed as soon as the store can be "
                        + "written (or at the next start)",
                        event.kind(), e);
                return -1L;
            });
        } finally {
            closing.unlock();
        }
    }

    /**
     * Not lost when the store cannot be written for a while: a failed one is kept in memory (up to
     * {@link #MAX_RETRY}) and written again once writes succeed (see {@link #retryLater}); only a process that dies
     * meanwhile, or an outage longer than the bound, loses such events, and each loss is logged.
     */
    @Override
    public void appendLater(AuditEvent event) {
        submitLater(encode(event), event.kind());
    }

    private void submitLater(EventFields fields, String kind) {
        writer.submitLater(fields).exceptionally(e -> {
            if (retrying.incrementAndGet() <= MAX_RETRY) {
                retry.add(fields);
                LOG.warn("audit event {} could not be recorded yet; it is written again once the store can be "
                        + "written", kind);
            } else {
                retrying.decrementAndGet();
                LOG.error("audit event {} could not be recorded and {} others already wait: lost", kind, MAX_RETRY,
                        e);
            }
            return -1L;
        });
    }

    /** Writes the failed after-the-fact events again (resumer thread). */
    private void retryLater() {
        for (EventFields fields = retry.poll(); fields != null; fields = retry.poll()) {
            retrying.decrementAndGet();
            try {
                submitLater(fields, fields.kind());
            } catch (RuntimeException e) {
                retry.add(fields); // closing
                retrying.incrementAndGet();
                return;
            }
        }
    }

    @Override
    public CompletableFuture<Long> appendAsync(AuditEvent event) {
        return writer.submit(encode(event));
    }

    private static EventFields encode(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        try {
            return EventMapper.map(event);
        } catch (RuntimeException e) {
            throw new AuditWriteException("audit event " + event.getClass().getSimpleName()
                    + " cannot be encoded: " + e, e);
        }
    }

    @Override
    public List<AuditRecord> query(AuditQuery query) {
        return reader.query(query);
    }

    @Override
    public ChainVerification verify() {
        VerifyOptions result = options.checkpointing()
                .map(c -> VerifyOptions.signedBy(c.key().publicKey(), clock.instant()))
                .orElseGet(() -> VerifyOptions.chainOnly(clock.instant()));
        return verify(result);
    }

    @Override
    public ChainVerification verify(VerifyOptions verifyOptions) {
        Optional<ChainHead> known = Optional.of(writer.head()).filter(head -> head.seq() > 0);
        return reader.verify(known.map(verifyOptions::withKnownHead).orElse(verifyOptions));
    }

    @Override
    public ChainHead head() {
        return writer.head();
    }

    @Override
    public void flush() {
        // The writer's queue is FIFO: a no-op job completes after everything queued before it was committed.
        try {
            writer.maintenance(connection -> { }).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AuditWriteException("audit store " + backend.name() + " did not flush: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditWriteException("interrupted while flushing the audit store", e);
        }
    }

    @Override
    public Optional<String> writeBlocked() {
        return journal.filter(AuditJournal::broken)
                .map(j -> "the audit journal stopped after a failed commit; it resumes by itself once the store "
                        + "can be written again");
    }

    @Override
    public int queueDepth() {
        return writer.queued();
    }

    @Override
    public String name() {
        return backend.name();
    }

    CompletableFuture<Long> onWriterConnection(GroupCommitWriter.WriterAction action) {
        return writer.maintenance(action);
    }

    CompletableFuture<Long> retainNow() {
        return writer.retainNow();
    }

    /** Commits what is already queued, signs a closing checkpoint, then closes. Idempotent. */
    @Override
    public void close() {
        // No journal write may race with the writer's last commits: close the door first.
        closing.lock();
        try {
            closed = true;
        } finally {
            closing.unlock();
        }
        resumer.interrupt();
        if (!retry.isEmpty()) {
            LOG.error("audit store {}: {} after-the-fact event(s) could not be written before closing: lost",
                    backend.name(), retry.size());
        }
        try {
            writer.close();
            journal.ifPresent(AuditJournal::closeCommitted);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            journal.ifPresent(AuditJournal::close);
        }
        backend.close();
    }
}
