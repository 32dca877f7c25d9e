package dev.sluice.postgres.wire;

import java.io.InputStream;

/**
 * Delivers a fixed byte array in fragments: either one byte per read, or in two reads split at a given
 * offset. Lets codec tests replay the same input across every fragmentation a socket could produce.
 */
final class FragmentingInputStream extends InputStream {
    private final byte[] data;
    private final int splitAt;
    private final boolean oneByteAtATime;
    private int position;

    private FragmentingInputStream(byte[] data, int splitAt, boolean oneByteAtATime) {
        this.data = data;
        this.splitAt = splitAt;
        this.oneByteAtATime = oneByteAtATime;
    }

    static FragmentingInputStream oneByteAtATime(byte[] data) {
        return new FragmentingInputStream(data, 0, true);
    }

    /** The first read ends at {@code splitAt}; later reads deliver the rest. */
    static FragmentingInputStream splitAt(byte[] data, int splitAt) {
        return new FragmentingInputStream(data, splitAt, false);
    }

    @Override
    public int read() {
        return position < data.length ? data[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        if (position >= data.length) {
            return -1;
        }
        int limit = data.length;
        if (oneByteAtATime) {
            limit = position + 1;
        } else if (position < splitAt) {
            limit = splitAt;
        }
        int result = Math.min(length, limit - position);
        System.arraycopy(data, position, buffer, offset, result);
        position += result;
        return result;
    }
}
