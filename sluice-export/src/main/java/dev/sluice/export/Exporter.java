package dev.sluice.export;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditFeed;
import dev.sluice.core.audit.AuditRecord;

/**
 * Tails the audit trail into one sink, on a virtual thread of its own: reads the events after the sink's cursor,
 * delivers them, then persists the new cursor. The gateway's data path never waits for it; the trail is the buffer,
 * so a sink that is slow or down only falls behind (see {@link ExportStatus#lag()}), and catches up from its cursor,
 * also across restarts. A failed delivery is retried with exponential backoff ({@link #MIN_BACKOFF} doubling up to
 * {@link #MAX_BACKOFF}); delivery is at least once.
 */
final class Exporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);
    static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final SinkConfig config;
    private final ExportSink sink;
    private final AuditFeed feed;
    private final CursorFile cursorFile;
    private final Duration pollInterval;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Thread thread;
    // guarded by lock
    private long cursor;
    private int failures;
    private String lastError = "";
    private Instant lastSuccess;
    private long delivered;
    private boolean closed;

    Exporter(SinkConfig config, ExportSink sink, AuditFeed feed, CursorFile cursorFile, Duration pollInterval,
             Clock clock) {
        this.config = config;
        this.sink = sink;
        this.feed = feed;
        this.cursorFile = cursorFile;
        this.pollInterval = pollInterval;
        this.clock = clock;
        this.cursor = cursorFile.read();
        this.thread = Thread.ofVirtual().name("sluice-export-" + config.name()).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Asks the exporter to look for new events now instead of at its next poll. */
    void poke() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    ExportStatus status() {
        long head;
        try {
            head = feed.headSeq();
        } catch (RuntimeException e) {
            head = -1;
        }
        lock.lock();
        try {
            return new ExportStatus(config.name(), config.type(), cursor, Math.max(head, cursor), failures, lastError,
                    Optional.ofNullable(lastSuccess), delivered);
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        while (!isClosed()) {
            List<AuditRecord> batch;
            try {
                batch = feed.after(currentCursor(), config.batchSize());
                if (batch.isEmpty()) {
                    pause(pollInterval);
                    continue;
                }
                sink.send(batch);
                long last = batch.getLast().seq();
                cursorFile.write(last);
                succeeded(last, batch.size());
                backoff = MIN_BACKOFF;
            } catch (IOException | RuntimeException e) {
                failed(e);
                sink.close();
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        sink.close();
    }

    private long currentCursor() {
        lock.lock();
        try {
            return cursor;
        } finally {
            lock.unlock();
        }
    }

    private void succeeded(long last, int count) {
        lock.lock();
        try {
            cursor = last;
            delivered += count;
            failures = 0;
            lastError = "";
            lastSuccess = clock.instant();
        } finally {
            lock.unlock();
        }
    }

    private void failed(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int count;
        lock.lock();
        try {
            count = ++failures;
            lastError = message;
        } finally {
            lock.unlock();
        }
        if (count == 1 || count % 100 == 0) {
            LOG.warn("export {}: delivery failed ({} in a row), retrying: {}", config.name(), count, message);
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private void pause(Duration duration) {
        lock.lock();
        try {
            if (!closed) {
                wake.await(duration.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Stops after the delivery in progress (waiting at most a few seconds for it). */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            if (!thread.join(Duration.ofSeconds(5))) {
                thread.interrupt();
                thread.join(Duration.ofSeconds(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
