package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameTooLargeException;

class MessageMemoryTest {
    private static final int MIB = 1024 * 1024;

    @Test
    void aLargeMessageHoldsItsSizeUntilTheConsumerAsksForTheNextFrame() throws IOException {
        MessageMemory memory = new MessageMemory(4L * MIB, Duration.ofMillis(50));
        MessageMemory.Account account = memory.account();
        FrameReader reader = new FrameReader(new ByteArrayInputStream(frames(3 * MIB, 10)), 8 * MIB, account);

        reader.consumed();
        reader.read();
        assertThat(memory.available()).isEqualTo(MIB);
        reader.consumed();
        assertThat(memory.available()).isEqualTo(4L * MIB);
        reader.read();
        assertThat(memory.available()).isEqualTo(4L * MIB);
    }

    @Test
    void aMessageThatFindsNoRoomIsRefusedWithTheBoundNamed() throws IOException {
        MessageMemory memory = new MessageMemory(4L * MIB, Duration.ofMillis(50));
        MessageMemory.Account first = memory.account();
        first.reserve(3 * MIB);

        FrameReader other = new FrameReader(new ByteArrayInputStream(frames(2 * MIB)), 8 * MIB, memory.account());
        assertThatThrownBy(other::read).isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("no memory free for a message of " + 2 * MIB + " bytes")
                .hasMessageContaining("limits.message-memory (expected: <= " + 4 * MIB);
        first.close();
        assertThat(memory.available()).isEqualTo(4L * MIB);
    }

    @Test
    void closingAnAccountGivesBackEverythingAndRefusesLaterReservations() throws IOException {
        MessageMemory memory = new MessageMemory(8L * MIB, Duration.ofMillis(50));
        MessageMemory.Account account = memory.account();
        account.reserve(2 * MIB);
        account.reserve(3 * MIB);
        account.reserve(100);
        account.close();
        assertThat(memory.available()).isEqualTo(8L * MIB);
        assertThatThrownBy(() -> account.reserve(2 * MIB)).isInstanceOf(IOException.class);
        assertThat(memory.available()).isEqualTo(8L * MIB);
    }

    private static byte[] frames(int... payloadSizes) {
        int total = 0;
        for (int size : payloadSizes) {
            total += 5 + size;
        }
        ByteBuffer result = ByteBuffer.allocate(total);
        for (int size : payloadSizes) {
            result.put((byte) 'Q').putInt(size + 4).put(new byte[size]);
        }
        return result.array();
    }
}
