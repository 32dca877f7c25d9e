package dev.sluice.store;

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
    private static final Logger LOG = LoggerFactory.getLogger(ChainStore.class);

    private final StoreBackend backend;
    private final Clock clock;
    private final StoreOptions options;
    private final AuditStoreReader reader;
    private final GroupCommitWriter writer;

    private ChainStore(StoreBackend backend, Clock clock, StoreOptions options, ChainHead recovered) {
        this.backend = backend;
        this.clock = clock;
        this.options = options;
        this.reader = new AuditStoreReader(backend);
        this.writer = new GroupCommitWriter(backend, clock, options.anchor(), recovered, options.checkpointing());
    }

    /** Recovers the head and starts the writer; closes {@code backend} when that fails. */
    static ChainStore open(StoreBackend backend, Clock clock, StoreOptions options) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(options, "options");
        try {
            ChainHead head = backend.read(connection -> AuditTable.head(connection, clock.instant()));
            return new ChainStore(backend, clock, options, head);
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

    @Override
    public void appendLater(AuditEvent event) {
        appendAsync(event).exceptionally(e -> {
            LOG.error("audit event {} could not be recorded", event.kind(), e);
            return -1L;
        });
    }

    @Override
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
        try {
            writer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
    }
}
