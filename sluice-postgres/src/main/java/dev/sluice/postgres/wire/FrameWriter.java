package dev.sluice.postgres.wire;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
    private static final int BUFFER_SIZE = 16 * 1024;

    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private final byte[] header = new byte[5];

    public FrameWriter(OutputStream out) {
        this.out = new BufferedOutputStream(out, BUFFER_SIZE);
    }

    public void write(Frame frame) throws IOException {
        int length = frame.declaredLength();
        lock.lock();
        try {
            int offset = 0;
            if (frame.type() != Frame.UNTYPED) {
                header[offset++] = frame.type();
            }
            header[offset++] = (byte) (length >>> 24);
            header[offset++] = (byte) (length >>> 16);
            header[offset++] = (byte) (length >>> 8);
            header[offset++] = (byte) length;
            out.write(header, 0, offset);
            out.write(frame.payload());
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
            out.flush();
        } finally {
            lock.unlock();
        }
    }
}
