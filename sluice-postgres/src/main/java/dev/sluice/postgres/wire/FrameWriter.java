package dev.sluice.postgres.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes {@link Frame}s (and messages, through their frames) to a buffered stream; nothing reaches the
 * underlying stream before {@link #flush()} or a full buffer.
 *
 * <pre>
 * typed:    | type (1) | int32 length = 4 + payload | payload |
 * untyped:  |            int32 length = 4 + payload | payload |     (type == 0: startup-phase messages)
 * </pre>
 *
 * <p>Thread-safe: each call writes one whole frame under a lock, so frames from two threads (a relay thread
 * and a thread answering with an error) never interleave. A sequence of frames that must stay together
 * (ErrorResponse then ReadyForQuery) needs the caller's own lock.
 */
public final class FrameWriter {
    private static final int INITIAL_BUFFER = 8 * 1024;
    private static final int MAX_BUFFER = 64 * 1024;

    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    /** Frames not yet handed to {@link #out}; grows from 8 to 64 KiB while frames keep filling it (a result stream). */
    private byte[] buffer = new byte[INITIAL_BUFFER];
    private int count;

    public FrameWriter(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    public void write(Frame frame) throws IOException {
        byte[] payload = frame.payload();
        int length = 4 + payload.length;
        int headerSize = frame.type() == Frame.UNTYPED ? 4 : 5;
        lock.lock();
        try {
            if (buffer.length - count < headerSize + payload.length) {
                drainFull();
            }
            byte[] b = buffer;
            int c = count;
            if (headerSize == 5) {
                b[c++] = frame.type();
            }
            b[c++] = (byte) (length >>> 24);
            b[c++] = (byte) (length >>> 16);
            b[c++] = (byte) (length >>> 8);
            b[c++] = (byte) length;
            if (payload.length <= b.length - c) {
                System.arraycopy(payload, 0, b, c, payload.length);
                count = c + payload.length;
            } else { // larger than the buffer: the header, then the payload straight through
                count = c;
                drain();
                out.write(payload);
            }
        } finally {
            lock.unlock();
        }
    }

    public void write(BackendMessage message) throws IOException {
        write(message.toFrame());
    }

    public void write(FrontendMessage message) throws IOException {
        write(message.toFrame());
    }

    public void flush() throws IOException {
        lock.lock();
        try {
            drain();
            out.flush();
        } finally {
            lock.unlock();
        }
    }

    /** The buffer cannot take the next frame: hand it over, and give a stream that fills it a larger one. */
    private void drainFull() throws IOException {
        drain();
        if (buffer.length < MAX_BUFFER) {
            buffer = new byte[Math.min(MAX_BUFFER, buffer.length * 2)];
        }
    }

    private void drain() throws IOException {
        if (count > 0) {
            int n = count;
            count = 0;
            out.write(buffer, 0, n);
        }
    }
}
