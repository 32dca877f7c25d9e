package dev.sluice.postgres;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameTooLargeException;

/**
 * The memory that large messages (1 MiB and more) may hold at once over all sessions ({@code
 * limits.message-memory}): client messages, and the server's messages on their way to the client (one account per
 * direction and session). An {@link Account} reserves a message's size before its payload is read and gives
 * it back when the relay takes the next frame of that direction (or the session ends); a message that finds no room within
 * {@link #WAIT} is refused (fail closed: the session ends with an ErrorResponse), so many sessions each sending 60 MB
 * queue for memory instead of exhausting the heap. Small messages are not counted.
 *
 * <p>Thread-safe: one shared semaphore (in KiB); each account guards its own queue with a lock.
 */
final class MessageMemory {
    static final int LARGE = 1024 * 1024;
    static final Duration WAIT = Duration.ofSeconds(10);

    private final long capacity;
    private final Semaphore kib;
    private final Duration wait;

    MessageMemory(long bytes) {
        this(bytes, WAIT);
    }

    MessageMemory(long bytes, Duration wait) {
        this.capacity = bytes;
        this.kib = new Semaphore((int) Math.min(Integer.MAX_VALUE, bytes >> 10), true);
        this.wait = wait;
    }

    /** A new session's account. */
    Account account() {
        return new Account();
    }

    /** Bytes free now (for tests: all of it once sessions end). */
    long available() {
        return (long) kib.availablePermits() << 10;
    }

    /** One session's reservations, in the order its frames were read. */
    final class Account implements FrameReader.Allowance, AutoCloseable {
        private final ReentrantLock lock = new ReentrantLock();
        private final ArrayDeque<Integer> reserved = new ArrayDeque<>();
        private boolean handedOut;
        private boolean closed;

        @Override
        public void reserve(int payloadLength) throws IOException {
            int units = payloadLength >= LARGE ? (int) ((payloadLength + 1023L) >> 10) : 0;
            try {
                if (units > 0 && !kib.tryAcquire(units, wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    // Fail closed: no room for this message now; refuse it rather than risk the heap.
                    throw new FrameTooLargeException("Sluice has no memory free for a message of " + payloadLength
                            + " bytes: large messages in flight already use limits.message-memory (expected: <= "
                            + capacity + " bytes at once); retry later");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for message memory");
            }
            lock.lock();
            try {
                if (closed) {
                    kib.release(units);
                    throw new InterruptedIOException("session closed");
                }
                reserved.add(units);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void consumed() {
            lock.lock();
            try {
                if (handedOut) {
                    Integer units = reserved.poll();
                    if (units != null) {
                        kib.release(units);
                    }
                }
                handedOut = true;
            } finally {
                lock.unlock();
            }
        }

        /** Gives everything back: the session has ended. */
        @Override
        public void close() {
            lock.lock();
            try {
                closed = true;
                reserved.forEach(kib::release);
                reserved.clear();
            } finally {
                lock.unlock();
            }
        }
    }
}
