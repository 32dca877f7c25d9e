package dev.sluice.postgres.wire;

import static dev.sluice.postgres.wire.WireFixtures.bytes;
import static dev.sluice.postgres.wire.WireFixtures.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class FrameReaderTest {
    @Test
    void readsATypedMessageFromItsHeaderAndPayload() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes('Z', 0, 0, 0, 5, 'I')), 100);

        assertThat(reader.read()).isEqualTo(new Frame((byte) 'Z', bytes('I')));
    }

    @Test
    void readsConsecutiveMessagesAtEveryFragmentation() throws IOException {
        byte[] wire = bytes('1', 0, 0, 0, 4, 'Z', 0, 0, 0, 5, 'T', 'd', 0, 0, 0, 6, 7, 8);
        for (InputStream in : WireFixtures.fragmentations(wire)) {
            FrameReader reader = new FrameReader(in, 100);

            assertThat(reader.read()).isEqualTo(new Frame((byte) '1', new byte[0]));
            assertThat(reader.read()).isEqualTo(new Frame((byte) 'Z', bytes('T')));
            assertThat(reader.read()).isEqualTo(new Frame((byte) 'd', bytes(7, 8)));
            assertThatThrownBy(reader::read).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void readsAStartupPacketWithoutATypeByte() throws IOException {
        byte[] wire = bytes(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f);
        for (InputStream in : WireFixtures.fragmentations(wire)) {
            assertThat(new FrameReader(in, 100).readStartup()).isEqualTo(new Frame(Frame.UNTYPED,
                    bytes(0x04, 0xd2, 0x16, 0x2f)));
        }
    }

    @Test
    void reportsCleanEndOfStreamBeforeAMessageAsEof() {
        assertThatThrownBy(() -> new FrameReader(InputStream.nullInputStream(), 100).read())
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> new FrameReader(InputStream.nullInputStream(), 100).readStartup())
                .isInstanceOf(EOFException.class);
    }

    @Test
    void rejectsAStreamThatEndsInsideAMessageAtEveryByte() {
        byte[] wire = bytes('Q', 0, 0, 0, 7, 'a', 'b', 0);
        for (int cut = 1; cut < wire.length; cut++) {
            byte[] truncated = Arrays.copyOf(wire, cut);
            assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(truncated), 100).read())
                    .as("cut at %d", cut)
                    .isInstanceOf(MalformedMessageException.class);
        }
        byte[] startup = bytes(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f);
        for (int cut = 1; cut < startup.length; cut++) {
            byte[] truncated = Arrays.copyOf(startup, cut);
            assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(truncated), 100).readStartup())
                    .isInstanceOf(MalformedMessageException.class);
        }
    }

    @Test
    void rejectsALengthAboveTheLimitBeforeReadingThePayload() {
        InputStream headerOnly = new ByteArrayInputStream(bytes('D', 0x7f, 0xff, 0xff, 0xff));

        assertThatThrownBy(() -> new FrameReader(headerOnly, 64 * 1024 * 1024).read())
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("(expected: <= 67108864)");
    }

    @Test
    void acceptsALengthExactlyAtTheLimit() throws IOException {
        byte[] wire = concat(bytes('d', 0, 0, 0, 10), new byte[6]);

        assertThat(new FrameReader(new ByteArrayInputStream(wire), 10).read().payload()).hasSize(6);
        assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(wire), 9).read())
                .isInstanceOf(FrameTooLargeException.class).hasMessageContaining("(expected: <= 9)");
    }

    @Test
    void rejectsNegativeAndTooSmallLengths() {
        for (byte[] wire : new byte[][] {bytes('Q', 0xff, 0xff, 0xff, 0xfb), bytes('Q', 0, 0, 0, 3),
                bytes('Q', 0x80, 0, 0, 0)}) {
            assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(wire), 100).read())
                    .isInstanceOf(MalformedMessageException.class)
                    .hasMessageContaining("(expected: >= 4)");
        }
        assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(bytes(0xff, 0xff, 0xff, 0xf0)), 100)
                .readStartup()).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(bytes(0, 0, 0, 7, 1, 2, 3)), 100)
                .readStartup()).isInstanceOf(MalformedMessageException.class).hasMessageContaining("(expected: >= 8)");
    }

    @Test
    void capsTheStartupPacketAtTenThousandBytesWhateverTheMessageLimit() {
        InputStream header = new ByteArrayInputStream(bytes(0, 0, 0x27, 0x11));

        assertThatThrownBy(() -> new FrameReader(header, 64 * 1024 * 1024).readStartup())
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("(expected: <= 10000)");
    }

    @Test
    void rejectsTypeZeroAfterStartup() {
        assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(bytes(0, 0, 0, 0, 4)), 100).read())
                .isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void doesNotAllocateTheDeclaredSizeForAPeerThatSendsNothing() {
        // 60 MiB declared, 3 bytes sent: must fail as truncated, having buffered only what arrived.
        InputStream in = new ByteArrayInputStream(bytes('d', 0x03, 0xc0, 0, 0, 1, 2, 3));
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long threadId = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(threadId);

        assertThatThrownBy(() -> new FrameReader(in, 64 * 1024 * 1024).read())
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("got 3");
        assertThat(threads.getThreadAllocatedBytes(threadId) - before).isLessThan(4 * 1024 * 1024);
    }
}
