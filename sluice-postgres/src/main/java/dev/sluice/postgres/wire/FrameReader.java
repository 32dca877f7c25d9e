package dev.sluice.postgres.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads {@link Frame}s from a blocking stream, bounding every length field before allocating.
 *
 * <pre>
 * readStartup():  +-----------------+----------------------+     8 <= length <= 10000
 *                 | int32 length    | payload (length - 4) |
 *                 +-----------------+----------------------+
 * read():         +------+-----------------+----------------------+     4 <= length <= maxMessageSize,
 *                 | type | int32 length    | payload (length - 4) |     type != 0
 *                 +------+-----------------+----------------------+
 * </pre>
 *
 * <p>A clean end of stream before the first byte of a message raises {@link EOFException}; an end of stream
 * inside a message raises {@link MalformedMessageException}. A length below the minimum raises
 * {@link MalformedMessageException}, one above the limit {@link FrameTooLargeException}. The payload buffer
 * grows as bytes actually arrive, so a peer that declares a large message and sends nothing holds no memory.
 *
 * <p>An optional {@link Allowance} accounts for payload memory across readers: it is told each typed message's
 * payload length after the bound check and before anything is allocated (it may wait or refuse), and told through
 * {@link #consumed()} when the consumer has finished with the frame it was handed before.
 *
 * <p>Not thread-safe: one reader thread at a time reads (a read-ahead thread may hand the stream back to the
 * consumer); {@link #consumed()} may come from the consumer's thread.
 */
public final class FrameReader {
    /** PostgreSQL's own cap on the startup packet (MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_LENGTH = 10_000;
    /** The smallest startup packet: the length and a 4-byte protocol or request code. */
    static final int MIN_STARTUP_LENGTH = 8;
    private static final int INITIAL_CHUNK = 64 * 1024;

    private final InputStream in;
    private final int maxMessageSize;
    private final Allowance allowance;
    /** The type byte and length field of the message being read: read in one call, not byte by byte. */
    private final byte[] header = new byte[5];

    /**
     * @param maxMessageSize the largest accepted value of a typed message's length field (which counts itself
     *                       but not the type byte); at least 4
     */
    public FrameReader(InputStream in, int maxMessageSize) {
        this(in, maxMessageSize, Allowance.UNLIMITED);
    }

    /** A reader whose typed messages' payloads are accounted by {@code allowance}. */
    public FrameReader(InputStream in, int maxMessageSize, Allowance allowance) {
        this.in = Objects.requireNonNull(in, "in");
        if (maxMessageSize < 4) {
            throw new IllegalArgumentException("maxMessageSize " + maxMessageSize + " (expected: >= 4)");
        }
        this.maxMessageSize = maxMessageSize;
        this.allowance = Objects.requireNonNull(allowance, "allowance");
    }

    /** Accounts for the memory that payloads hold, shared by many readers. */
    public interface Allowance {
        /** No accounting. */
        Allowance UNLIMITED = new Allowance() {
            @Override
            public void reserve(int payloadLength) {
            }

            @Override
            public void consumed() {
            }
        };

        /** Called before a payload of {@code payloadLength} bytes is read; may block, or refuse by throwing. */
        void reserve(int payloadLength) throws IOException;

        /** The consumer has finished with the frame it was handed before this call. */
        void consumed();
    }

    /** Tells the allowance the consumer is done with the frame it was handed last (call before the next read). */
    public void consumed() {
        allowance.consumed();
    }

    /** Reads one untyped startup-phase message (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest). */
    public Frame readStartup() throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("end of stream before the startup message");
        }
        int length = first << 24 | readInt24();
        checkLength(length, MIN_STARTUP_LENGTH, MAX_STARTUP_LENGTH);
        return new Frame(Frame.UNTYPED, readPayload(length - 4));
    }

    /** Reads one typed message. */
    public Frame read() throws IOException {
        int n = in.read(header, 0, header.length);
        if (n < 0) {
            throw new EOFException("end of stream before the next message");
        }
        byte type = header[0];
        if (type == 0) {
            throw new MalformedMessageException("message type 0x00 is not a typed message (expected: a letter or digit)");
        }
        while (n < header.length) {
            int more = in.read(header, n, header.length - n);
            if (more < 0) {
                throw new MalformedMessageException("end of stream inside a message header (expected: a 4-byte length)");
            }
            n += more;
        }
        int length = (header[1] & 0xff) << 24 | (header[2] & 0xff) << 16 | (header[3] & 0xff) << 8 | header[4] & 0xff;
        checkLength(length, 4, maxMessageSize);
        allowance.reserve(length - 4);
        return new Frame(type, readPayload(length - 4));
    }

    private static void checkLength(int length, int min, int max) {
        if (length < min) {
            throw new MalformedMessageException("message length " + length + " is invalid (expected: >= " + min + ")");
        }
        if (length > max) {
            throw new FrameTooLargeException("message length " + length + " is too large (expected: <= " + max + ")");
        }
    }

    private int readInt24() throws IOException {
        return readByteInMessage() << 16 | readByteInMessage() << 8 | readByteInMessage();
    }

    private int readByteInMessage() throws IOException {
        int result = in.read();
        if (result < 0) {
            throw new MalformedMessageException("end of stream inside a message header (expected: a 4-byte length)");
        }
        return result;
    }

    private byte[] readPayload(int length) throws IOException {
        byte[] result = new byte[Math.min(length, INITIAL_CHUNK)];
        int filled = 0;
        while (filled < length) {
            if (filled == result.length) {
                result = Arrays.copyOf(result, (int) Math.min(length, result.length * 2L));
            }
            int n = in.read(result, filled, result.length - filled);
            if (n < 0) {
                throw new MalformedMessageException("end of stream inside a message (expected: " + length
                        + " payload bytes, got " + filled + ")");
            }
            filled += n;
        }
        return result;
    }
}
