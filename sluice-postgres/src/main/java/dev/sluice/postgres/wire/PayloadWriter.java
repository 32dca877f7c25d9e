package dev.sluice.postgres.wire;

import java.util.Arrays;

/** Builds one message payload; integers are big-endian, counts are range-checked before they are written. */
final class PayloadWriter {
    private byte[] buffer;
    private int size;

    PayloadWriter() {
        this(64);
    }

    PayloadWriter(int capacity) {
        buffer = new byte[Math.max(capacity, 16)];
    }

    PayloadWriter writeByte(int value) {
        ensure(1);
        buffer[size++] = (byte) value;
        return this;
    }

    PayloadWriter writeInt16(int value) {
        ensure(2);
        buffer[size++] = (byte) (value >>> 8);
        buffer[size++] = (byte) value;
        return this;
    }

    /** Writes an array length as an unsigned Int16 count; more than 65535 entries cannot be encoded. */
    PayloadWriter writeCount16(int count, String what) {
        if (count > 0xffff) {
            throw new WireException(what + " has " + count + " entries (expected: <= 65535)");
        }
        return writeInt16(count);
    }

    PayloadWriter writeInt32(int value) {
        ensure(4);
        buffer[size++] = (byte) (value >>> 24);
        buffer[size++] = (byte) (value >>> 16);
        buffer[size++] = (byte) (value >>> 8);
        buffer[size++] = (byte) value;
        return this;
    }

    PayloadWriter writeBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
        return this;
    }

    /** Writes an Int32 length followed by the bytes, or length -1 alone for {@code null} (SQL NULL). */
    PayloadWriter writeNullableBytes(byte[] bytes) {
        if (bytes == null) {
            return writeInt32(-1);
        }
        return writeInt32(bytes.length).writeBytes(bytes);
    }

    PayloadWriter writeCString(String value) {
        return writeBytes(PgStrings.cstring(value));
    }

    byte[] toBytes() {
        return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    }

    Frame toFrame(char type) {
        return new Frame((byte) type, toBytes());
    }

    Frame toUntypedFrame() {
        return new Frame(Frame.UNTYPED, toBytes());
    }

    private void ensure(int extra) {
        int needed = size + extra;
        if (needed < 0) {
            throw new WireException("message payload exceeds 2 GiB");
        }
        if (needed > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(needed, (int) Math.min(Integer.MAX_VALUE - 8, buffer.length * 2L)));
        }
    }
}
