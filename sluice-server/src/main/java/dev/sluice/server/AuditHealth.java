package dev.sluice.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditStore;

/**
 * Whether the audit store can be written now, for readiness: the store's own word (a write-ahead journal that
 * stopped after a failed commit refuses every write until a restart), the outcome of the gateway's writes (a failed
 * write makes it unhealthy until a write succeeds, or until {@link #FAILURE_HOLD} has passed with the probe
 * healthy again, so that an idle instance recovers by itself), and a probe run at most once a second that must
 * answer within {@link #PROBE_WAIT}.
 *
 * <p>The probe for the embedded store opens the file for writing and writes, then deletes, a small file beside it
 * (an unwritable file or directory, or a full disk, fails it); for the PostgreSQL store it reads one row. The probe
 * never writes to the trail. Thread-safe.
 */
final class AuditHealth {
    static final Duration FAILURE_HOLD = Duration.ofSeconds(10);
    private static final Duration PROBE_EVERY = Duration.ofSeconds(1);
    static final Duration PROBE_WAIT = Duration.ofSeconds(2);
    private static final int PROBE_BYTES = 16 * 1024;
    static final long MIN_FREE_BYTES = 1024 * 1024;

    private final AuditSettings settings;
    private final AuditStore store;
    private final AtomicLong lastFailure = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong lastSuccess = new AtomicLong(Long.MIN_VALUE);
    private final ReentrantLock probing = new ReentrantLock();
    private volatile CompletableFuture<Optional<String>> running;
    private volatile long probedAt = Long.MIN_VALUE;
    private volatile Optional<String> probeProblem = Optional.empty();

    AuditHealth(AuditSettings settings, AuditStore store) {
        this.settings = settings;
        this.store = store;
    }

    void writeSucceeded() {
        lastSuccess.set(System.nanoTime());
    }

    void writeFailed() {
        lastFailure.set(System.nanoTime());
    }

    /** Why the audit store cannot be written now, or empty when it can. */
    Optional<String> problem() {
        Optional<String> blocked = store.writeBlocked();
        if (blocked.isPresent()) {
            return blocked;
        }
        Optional<String> probe = probe();
        if (probe.isPresent()) {
            return probe;
        }
        long failure = lastFailure.get();
        if (failure != Long.MIN_VALUE && failure - lastSuccess.get() > 0
                && System.nanoTime() - failure < FAILURE_HOLD.toNanos()) {
            return Optional.of("the last audit write failed; commands are refused until writes succeed");
        }
        return Optional.empty();
    }

    /**
     * The probe's last result while it is fresh, else a new probe, waited for at most {@link #PROBE_WAIT}: a store
     * that does not answer in that time is not ready (a load balancer's check must not hang on it). One probe runs
     * at a time, on a virtual thread of its own; concurrent callers wait for the same one.
     */
    private Optional<String> probe() {
        if (probedAt != Long.MIN_VALUE && System.nanoTime() - probedAt < PROBE_EVERY.toNanos()) {
            return probeProblem;
        }
        CompletableFuture<Optional<String>> current;
        probing.lock(); // guards only which probe is running; no I/O under it
        try {
            current = running;
            if (current == null) {
                CompletableFuture<Optional<String>> started = new CompletableFuture<>();
                running = started;
                current = started;
                Thread.ofVirtual().name("sluice-audit-probe").start(() -> {
                    Optional<String> result;
                    try {
                        result = settings.postgres().isPresent() ? probeShared() : probeFile(settings.file());
                    } catch (RuntimeException e) {
                        result = Optional.of("the audit store readiness probe failed"); // fail closed: not ready
                    }
                    probeProblem = result;
                    probedAt = System.nanoTime();
                    running = null;
                    started.complete(result);
                });
            }
        } finally {
            probing.unlock();
        }
        try {
            return current.get(PROBE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Optional.of("the audit store did not answer the readiness probe within "
                    + PROBE_WAIT.toSeconds() + "s");
        } catch (ExecutionException e) {
            return Optional.of("the audit store readiness probe failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing the audit store");
        }
    }

    private Optional<String> probeShared() {
        try {
            store.query(AuditQuery.all().withLimit(1));
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of("the shared PostgreSQL audit store cannot be reached");
        }
    }

    static Optional<String> probeFile(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            if (Files.exists(file)) {
                Files.newByteChannel(file, StandardOpenOption.WRITE).close();
            }
            if (Files.getFileStore(dir).getUsableSpace() < MIN_FREE_BYTES) {
                return Optional.of("the audit store's file system has less than 1 MiB free");
            }
            Path probe = dir.resolve(".sluice-ready-probe");
            try (OutputStream out = Files.newOutputStream(probe)) {
                out.write(new byte[PROBE_BYTES]);
            } finally {
                Files.deleteIfExists(probe);
            }
            return Optional.empty();
        } catch (FileSystemException e) {
            return Optional.of("the audit store cannot be written: "
                    + (e.getReason() == null ? e.getClass().getSimpleName() : e.getReason()));
        } catch (IOException e) {
            return Optional.of("the audit store cannot be written: " + e.getMessage());
        }
    }
}
