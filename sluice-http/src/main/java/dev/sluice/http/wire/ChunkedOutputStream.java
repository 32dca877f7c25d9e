package dev.sluice.http.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes writes as chunks; {@link #finish} writes the last chunk. Never closes the underlying stream; each write is
 * flushed so streams (watch, logs -f, server-sent events) reach the client as they come. Used by one thread.
 */
public final class ChunkedOutputStream extends OutputStream {
    private final OutputStream out;
    private boolean finished;

    public ChunkedOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return; // a zero-length chunk would end the body
        }
        out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(buffer, offset, length);
        out.write('\r');
        out.write('\n');
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Writes the last chunk and flushes; idempotent. */
    public void finish() throws IOException {
        if (!finished) {
            finished = true;
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        finish();
    }
}
