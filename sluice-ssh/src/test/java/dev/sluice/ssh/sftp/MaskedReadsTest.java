package dev.sluice.ssh.sftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class MaskedReadsTest {
    private static final String CARD = "4242 4242 4242 4242";
    /** A stand-in detector: every card (as text) becomes stars of the same length. */
    private static final UnaryOperator<String> MASK = text -> text.contains(CARD)
            ? text.replace(CARD, "**** **** **** ****") : text;
    private final MaskedReads reads = new MaskedReads(MASK);

    /** Reads {@code file} the way a client does: pieces of {@code size} from {@code offset}, asking again after short answers. */
    private byte[] readAll(byte[] file, int size) {
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        long offset = 0;
        while (true) {
            MaskedReads.Window window = MaskedReads.Window.of(offset, size);
            int from = (int) Math.min(window.start(), file.length);
            int to = (int) Math.min(window.start() + window.windowLength(), file.length);
            MaskedReads.Cut cut = reads.cut(window, Arrays.copyOfRange(file, from, to));
            if (cut instanceof MaskedReads.Cut.Eof) {
                return result.toByteArray();
            }
            byte[] data = ((MaskedReads.Cut.Data) cut).bytes();
            assertThat(data).isNotEmpty();
            result.writeBytes(data);
            offset += data.length;
        }
    }

    @Test
    void aCardThatStraddlesTwoReadsIsMaskedInBothAndEveryOffsetStays() {
        String text = "x".repeat(32768 - 7) + " " + CARD + "\n" + "ü tail\n".repeat(5000);
        byte[] file = text.getBytes(StandardCharsets.UTF_8);

        byte[] read = readAll(file, 32768);

        assertThat(read).hasSize(file.length);
        assertThat(new String(read, StandardCharsets.UTF_8)).doesNotContain("4242")
                .isEqualTo(text.replace(CARD, "**** **** **** ****"));
    }

    @Test
    void everyReadSizeGivesTheSameMaskedFile() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            text.append("line ").append(i).append(" é ").append(CARD).append('\n');
        }
        byte[] file = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] expected = text.toString().replace(CARD, "**** **** **** ****").getBytes(StandardCharsets.UTF_8);

        for (int size : new int[] {13, 100, 4096, 32768, 1 << 20}) {
            assertThat(readAll(file, size)).as("reads of %d", size).isEqualTo(expected);
        }
    }

    @Test
    void binaryOrNulPaddedTextIsRefusedNotPassedOn() {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, '4', 0, '2', 0};
        byte[] utf16 = "4242 4242 4242 4242".getBytes(StandardCharsets.UTF_16LE);

        assertThat(reads.cut(MaskedReads.Window.of(0, 100), binary)).isInstanceOf(MaskedReads.Cut.NotText.class);
        assertThat(reads.cut(MaskedReads.Window.of(0, 100), utf16)).isInstanceOf(MaskedReads.Cut.NotText.class);
    }

    @Test
    void aReadAtOrPastTheEndIsEndOfFile() {
        assertThat(reads.cut(MaskedReads.Window.of(10, 100), "0123456789".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MaskedReads.Cut.Eof.class);
        assertThat(reads.cut(MaskedReads.Window.of(0, 100), new byte[0])).isInstanceOf(MaskedReads.Cut.Eof.class);
    }

    @Test
    void aWindowIsBoundedWhateverTheClientAsks() {
        MaskedReads.Window window = MaskedReads.Window.of(Long.MAX_VALUE / 2, Integer.MAX_VALUE);

        assertThat(window.windowLength()).isLessThanOrEqualTo(MaskedReads.MAX_READ + 2 * MaskedReads.MARGIN);
        assertThat(MaskedReads.Window.of(0, -5).length()).as("an unsigned length over 2^31").isEqualTo(
                MaskedReads.MAX_READ);
        assertThat(MaskedReads.Window.of(0, 0).length()).isZero();
    }
}
