package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import dev.sluice.http.wire.HttpProtocolException;

/** Byte copying with bounds and flushing, for bodies that must stream (watch, logs -f, server-sent events). */
final class Streams {
    static final int BUFFER = 64 * 1024;

    private Streams() {
    }

    /**
     * Copies until {@code in} ends, flushing {@code out} whenever {@code in} has nothing more buffered, so a stream
     * reaches the client as it comes without a write per byte. Returns the bytes copied.
     *
     * @param limit at most this many bytes; more raises an {@link HttpProtocolException} 413
     */
    static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        return copy(in, out, limit, BUFFER);
    }

    /** As above, with a buffer of at most {@code expected} bytes (a small fixed-length body: no 64 KiB per request). */
    static long copy(InputStream in, OutputStream out, long limit, long expected) throws IOException {
        byte[] buffer = new byte[(int) Math.max(1, Math.min(BUFFER, expected))];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
            if (total > limit) {
                throw new HttpProtocolException(413, "request body too large (expected: <= " + limit + " bytes)");
            }
            out.write(buffer, 0, n);
            if (in.available() == 0) {
                out.flush();
            }
        }
        out.flush();
        return total;
    }

    /** Counts what passes to the client. */
    static final class Counting extends OutputStream {
        private final OutputStream out;
        private long count;

        Counting(OutputStream out) {
            this.out = out;
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
