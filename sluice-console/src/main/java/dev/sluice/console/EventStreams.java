package dev.sluice.console;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The open event streams of one kind, at most {@link #max} at once, so that {@link Console#close} can wait for them to
 * end before the listener stops: a stream handler that outlives its listener runs on a request Jetty has recycled.
 * Used by the streams' own virtual threads and by the thread that closes the console.
 */
final class EventStreams {
    private final int max;
    private final Semaphore open;

    EventStreams(int max) {
        this.max = max;
        this.open = new Semaphore(max);
    }

    /** Takes a place for a new stream; false when {@link #max} are open. Every true is followed by {@link #ended}. */
    boolean tryOpen() {
        return open.tryAcquire();
    }

    void ended() {
        open.release();
    }

    /** Waits until no stream is open, at most {@code limit}. */
    void awaitAllEnded(Duration limit) {
        try {
            if (open.tryAcquire(max, limit.toMillis(), TimeUnit.MILLISECONDS)) {
                open.release(max);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
