package dev.sluice.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * Masks a terminal's output (a shell, an exec with a PTY) on its way to the caller without holding it for long: a
 * terminal must show a keystroke's echo at once, while a detector needs a whole value. So output is passed on at
 * each newline, and otherwise after {@link #HOLD} without a newline (a prompt, an echo), or at {@link #MAX_PENDING}
 * bytes. Each part is masked with the same-length masking of {@link TerminalText} together with the part of its line
 * that was sent before (up to {@link #CONTEXT} bytes), so a value that arrives in two writes is still found; what was
 * sent before the hold ran out cannot be taken back (see docs/ssh.md, Limits).
 *
 * <p>Threads: the writer (MINA's thread for the target's channel) and one virtual thread that sends what waited
 * {@link #HOLD}; both under one {@link ReentrantLock}, which is also held around the writes to the caller.
 */
final class TerminalMaskingStream extends OutputStream {
    static final Duration HOLD = Duration.ofMillis(20);
    static final int CONTEXT = 4096;
    static final int MAX_PENDING = 64 * 1024;

    private final OutputStream out;
    private final UnaryOperator<String> mask;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition pendingData = lock.newCondition();
    /** {@code [0, sent)}: the line's part already sent (context); {@code [sent, size)}: waiting. */
    private byte[] buffer = new byte[8192];
    private int sent;
    private int size;
    private boolean closed;
    private long pendingSince;
    private IOException failure;

    TerminalMaskingStream(OutputStream out, UnaryOperator<String> mask) {
        this.out = out;
        this.mask = mask;
        Thread.ofVirtual().name("sluice-ssh-terminal-mask").start(this::flusher);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (failure != null) {
                throw failure;
            }
            if (size + len > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + len));
            }
            boolean restart = size == sent;
            System.arraycopy(b, off, buffer, size, len);
            size += len;
            int lastNewline = -1;
            for (int i = size - 1; i >= size - len; i--) {
                if (buffer[i] == '\n') {
                    lastNewline = i;
                    break;
                }
            }
            if (size - sent >= MAX_PENDING) {
                emit(size);
            } else if (lastNewline >= 0) {
                emit(lastNewline + 1);
                restart = true;
            }
            if (size > sent) {
                if (restart) {
                    pendingSince = System.nanoTime(); // the hold counts from the first byte that waits
                }
                pendingData.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        // a partial line waits for its end or the hold: a detector may need all of it
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                emit(size);
                pendingData.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void flusher() {
        lock.lock();
        try {
            while (!closed) {
                if (size == sent) {
                    pendingData.await();
                    continue;
                }
                long left = pendingSince + HOLD.toNanos() - System.nanoTime();
                if (left > 0) {
                    pendingData.await(left, TimeUnit.NANOSECONDS);
                } else {
                    emit(size);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            failure = e;
        } finally {
            lock.unlock();
        }
    }

    /** Masks and sends {@code [sent, upTo)}; keeps the rest of its line as context. Called under the lock. */
    private void emit(int upTo) throws IOException {
        if (upTo <= sent) {
            return;
        }
        TerminalText.mask(buffer, sent, upTo, mask);
        out.write(buffer, sent, upTo - sent);
        out.flush();
        int keepFrom = Math.max(0, upTo - CONTEXT);
        for (int i = upTo - 1; i >= keepFrom; i--) {
            if (buffer[i] == '\n') {
                keepFrom = i + 1;
                break;
            }
        }
        System.arraycopy(buffer, keepFrom, buffer, 0, size - keepFrom);
        size -= keepFrom;
        sent = upTo - keepFrom;
    }
}
