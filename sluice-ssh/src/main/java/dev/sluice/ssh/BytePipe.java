package dev.sluice.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded in-memory byte pipe between two threads (one writer, one reader): a writer waits while {@link #CAPACITY}
 * bytes are unread, so memory stays bounded and a slow reader holds the writer back. Closing the output gives the
 * reader end-of-stream once it read what came; closing the input makes the writer fail. Unlike
 * {@code PipedInputStream} it does not depend on the liveness of the threads that used it (virtual threads come and
 * go). Thread-safe under {@link #lock}.
 */
final class BytePipe {
    static final int CAPACITY = 256 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final byte[] ring = new byte[CAPACITY];
    private int head;
    private int size;
    private boolean writerClosed;
    private boolean readerClosed;
    private final Input input = new Input();
    private final Output output = new Output();

    InputStream input() {
        return input;
    }

    OutputStream output() {
        return output;
    }

    /** Closes both ends: a blocked reader gets end-of-stream, a blocked writer an {@link IOException}. */
    void close() {
        lock.lock();
        try {
            writerClosed = true;
            readerClosed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (size == 0 && !writerClosed && !readerClosed) {
                    changed.await();
                }
                if (size == 0 || readerClosed) {
                    return -1;
                }
                int result = Math.min(length, Math.min(size, CAPACITY - head));
                System.arraycopy(ring, head, buffer, offset, result);
                head = (head + result) % CAPACITY;
                size -= result;
                changed.signalAll();
                return result;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading a pipe");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                readerClosed = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            int done = 0;
            lock.lock();
            try {
                while (done < length) {
                    while (size == CAPACITY && !readerClosed && !writerClosed) {
                        changed.await();
                    }
                    if (readerClosed || writerClosed) {
                        throw new IOException("pipe closed");
                    }
                    int tail = (head + size) % CAPACITY;
                    int n = Math.min(length - done, Math.min(CAPACITY - size, CAPACITY - tail));
                    System.arraycopy(buffer, offset + done, ring, tail, n);
                    size += n;
                    done += n;
                    changed.signalAll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing a pipe");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                writerClosed = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
