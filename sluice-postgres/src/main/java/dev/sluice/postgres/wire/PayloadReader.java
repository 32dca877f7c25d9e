package dev.sluice.postgres.wire;

/**
 * A bounds-checked cursor over one message payload. Every read that would pass the end raises
 * {@link MalformedMessageException}; {@link #expectEnd()} rejects trailing bytes. Integers are big-endian.
 */
final class PayloadReader {
    private final byte[] bytes;
    private final String message;
    private final java.nio.charset.Charset charset;
    private int position;

    PayloadReader(byte[] bytes, String message) {
        this(bytes, message, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A reader whose {@link #readCString()} decodes strictly in {@code charset} (the session's client encoding). */
    PayloadReader(byte[] bytes, String message, java.nio.charset.Charset charset) {
        this.bytes = bytes;
        this.message = message;
        this.charset = charset;
    }

    int remaining() {
        return bytes.length - position;
    }

    byte readByte() {
        require(1);
        return bytes[position++];
    }

    short readInt16() {
        require(2);
        int result = (bytes[position] & 0xff) << 8 | bytes[position + 1] & 0xff;
        position += 2;
        return (short) result;
    }

    /** An Int16 count, read unsigned (PostgreSQL allows up to 65535 entries); each entry takes at least
     * {@code minEntryBytes}, so an impossible count is rejected before any array is allocated. */
    int readCount16(int minEntryBytes) {
        return checkCount(readInt16() & 0xffff, minEntryBytes);
    }

    int readInt32() {
        require(4);
        int result = (bytes[position] & 0xff) << 24 | (bytes[position + 1] & 0xff) << 16
                | (bytes[position + 2] & 0xff) << 8 | bytes[position + 3] & 0xff;
        position += 4;
        return result;
    }

    /** An Int32 count of entries of at least {@code minEntryBytes} each. */
    int readCount32(int minEntryBytes) {
        int count = readInt32();
        if (count < 0) {
            throw new MalformedMessageException(message + ": negative count " + count + " (expected: >= 0)");
        }
        return checkCount(count, minEntryBytes);
    }

    byte[] readBytes(int length) {
        if (length < 0) {
            throw new MalformedMessageException(message + ": negative length " + length + " (expected: >= 0)");
        }
        require(length);
        byte[] result = java.util.Arrays.copyOfRange(bytes, position, position + length);
        position += length;
        return result;
    }

    /** An Int32 length (or -1 for SQL NULL, returned as {@code null}) followed by that many bytes. */
    byte[] readNullableBytes() {
        int length = readInt32();
        if (length == -1) {
            return null;
        }
        return readBytes(length);
    }

    byte[] readRest() {
        return readBytes(remaining());
    }

    /** The rest of the payload; the payload array itself (no copy) when nothing has been read yet. */
    byte[] readRestShared() {
        if (position == 0) {
            position = bytes.length;
            return bytes;
        }
        return readRest();
    }

    String readCString() {
        int end = PgStrings.indexOfNul(bytes, position, bytes.length);
        String result = PgStrings.decode(bytes, position, end - position, charset);
        position = end + 1;
        return result;
    }

    void expectEnd() {
        if (remaining() != 0) {
            throw new MalformedMessageException(message + ": " + remaining() + " unexpected trailing bytes (expected: "
                    + position + " payload bytes, got " + bytes.length + ")");
        }
    }

    private int checkCount(int count, int minEntryBytes) {
        if ((long) count * minEntryBytes > remaining()) {
            throw new MalformedMessageException(message + ": count " + count + " does not fit in the remaining "
                    + remaining() + " bytes");
        }
        return count;
    }

    private void require(int length) {
        if (length > remaining()) {
            throw new MalformedMessageException(message + " is truncated (expected: " + length
                    + " more bytes at offset " + position + ", payload has " + bytes.length + ")");
        }
    }
}
