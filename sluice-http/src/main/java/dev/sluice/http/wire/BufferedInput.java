package dev.sluice.http.wire;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A buffered stream for one connection's reading side, without the lock {@link java.io.BufferedInputStream} takes on
 * every call: {@link HeadReader} reads a head a byte at a time, and that lock was the largest cost of parsing one.
 * {@link #mark} and {@link #reset} work for as many bytes as the buffer holds (a held request's watcher peeks one).
 *
 * <p>Not thread-safe: used by one thread at a time, handed over with a happens-before edge (a thread join).
 */
public final class BufferedInput extends InputStream {
    private final InputStream in;
    private final byte[] buffer;
    private int position;
    private int count;
    private int marked = -1;

    public BufferedInput(InputStream in, int size) {
        this.in = Objects.requireNonNull(in, "in");
        this.buffer = new byte[size];
    }

    @Override
    public int read() throws IOException {
        if (position >= count && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (position >= count) {
            if (len >= buffer.length && marked < 0) {
                return in.read(b, off, len); // a large read skips the copy
            }
            if (!fill()) {
                return -1;
            }
        }
        int result = Math.min(len, count - position);
        System.arraycopy(buffer, position, b, off, result);
        position += result;
        return result;
    }

    @Override
    public int available() throws IOException {
        return count - position + in.available();
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    /** Marks the position; it stays valid while the buffer can hold what is read after it. */
    @Override
    public void mark(int readLimit) {
        marked = position;
    }

    @Override
    public void reset() throws IOException {
        if (marked < 0) {
            throw new IOException("no valid mark");
        }
        position = marked;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads more into the buffer (keeping the marked bytes); false at the end of the stream. */
    private boolean fill() throws IOException {
        if (marked < 0) {
            position = 0;
            count = 0;
        } else {
            System.arraycopy(buffer, marked, buffer, 0, count - marked);
            count -= marked;
            position -= marked;
            marked = 0;
            if (count == buffer.length) {
                marked = -1; // more than the buffer holds since the mark: it is dropped
                position = 0;
                count = 0;
            }
        }
        int n;
        do {
            n = in.read(buffer, count, buffer.length - count);
        } while (n == 0);
        if (n < 0) {
            return false;
        }
        count += n;
        return true;
    }
}
