package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The checks shared by the Jazzer fuzz targets ({@code *FuzzTest}): how much the code under test may allocate for an
 * input, and an input stream that hands the fuzzer's bytes over in fuzzer-chosen pieces, as a socket would.
 * Public because the targets live in two packages.
 */
public final class FuzzContract {
    /**
     * What any decode may allocate besides its per-byte share: the reader's first 64 KiB payload chunk (allocated
     * before the bytes arrive, bounded by the declared length), exception objects with their stack traces, and
     * formatted messages.
     */
    public static final long FIXED_ALLOWANCE = 256 * 1024;
    /**
     * Bytes that may be allocated per input byte: a payload copy, UTF-16 strings, map entries and records for the
     * smallest fields (a 2-byte notice field becomes an entry, a boxed key and a string).
     */
    public static final long PER_BYTE_ALLOWANCE = 96;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzContract() {
    }

    /** Code under a fuzz contract. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action} and fails when it allocated more than the allowance for {@code inputBytes}. Over the
     * allowance, it runs {@code action} once more and judges that run: the first use of a code path loads (and
     * under Jazzer instruments) classes on this thread, which counts as allocation. {@code action} must therefore
     * be repeatable: start from the input each time.
     */
    public static void assertAllocationBounded(long inputBytes, String what, Action action) throws Exception {
        long allowed = FIXED_ALLOWANCE + PER_BYTE_ALLOWANCE * inputBytes;
        long allocated = allocatedBy(action);
        if (allocated > allowed) {
            allocated = allocatedBy(action);
        }
        assertThat(allocated).as("bytes allocated by %s for %d input bytes", what, inputBytes)
                .isLessThanOrEqualTo(allowed);
    }

    private static long allocatedBy(Action action) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        action.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /**
     * A stream over {@code data} whose reads return at most {@code chunk} bytes each ({@code chunk <= 0}: no limit),
     * so that the fuzzer also exercises reads that stop inside a header or a payload.
     */
    public static InputStream chunked(byte[] data, int chunk) {
        return new InputStream() {
            private int position;

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
                int result = Math.min(Math.min(length, data.length - position), chunk <= 0 ? Integer.MAX_VALUE : chunk);
                System.arraycopy(data, position, buffer, offset, result);
                position += result;
                return result;
            }

            @Override
            public int available() {
                return data.length - position;
            }
        };
    }

    /** The bytes {@link FrameWriter} puts on the wire for {@code frame}. */
    public static byte[] wire(Frame frame) {
        try {
            ByteArrayOutputStream result = new ByteArrayOutputStream();
            FrameWriter writer = new FrameWriter(result);
            writer.write(frame);
            writer.flush();
            return result.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code data} without its first {@code n} bytes. */
    public static byte[] drop(byte[] data, int n) {
        return Arrays.copyOfRange(data, Math.min(n, data.length), data.length);
    }
}
