package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
    /** A stand-in same-length detector for 16-digit cards written with spaces. */
    private static final UnaryOperator<String> MASK = text -> text.replaceAll("\\d{4} \\d{4} \\d{4} \\d{4}",
            "**** **** **** ****");

    private static String masked(String terminal) {
        byte[] bytes = terminal.getBytes(StandardCharsets.UTF_8);
        TerminalText.mask(bytes, 0, bytes.length, MASK);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void aCardColouredPieceByPieceIsMaskedAndTheEscapeSequencesStay() {
        String coloured = "\u001b[01;31m\u001b[K4242\u001b[m\u001b[K 4242 \u001b[1m4242\u001b[0m 4242\r\n";

        assertThat(masked(coloured)).isEqualTo(
                "\u001b[01;31m\u001b[K****\u001b[m\u001b[K **** \u001b[1m****\u001b[0m ****\r\n");
    }

    @Test
    void aCardInsideAWindowTitleIsMaskedToo() {
        assertThat(masked("\u001b]0;4242 4242 4242 4242\u0007$ ")).isEqualTo("\u001b]0;**** **** **** ****\u0007$ ");
    }

    @Test
    void bytesThatAreNotUtf8StillHaveTheirCardsMasked() {
        byte[] bytes = {(byte) 0xff, '4', '2', '4', '2', ' ', '4', '2', '4', '2', ' ', '4', '2', '4', '2', ' ', '4',
            '2', '4', '2', (byte) 0xfe};
        TerminalText.mask(bytes, 0, bytes.length, MASK);

        assertThat(new String(bytes, 1, 19, StandardCharsets.US_ASCII)).isEqualTo("**** **** **** ****");
        assertThat(bytes[0]).isEqualTo((byte) 0xff);
        assertThat(bytes[20]).isEqualTo((byte) 0xfe);
    }

    @Test
    void aStreamMasksAValueThatArrivesInTwoWritesAndPassesAPromptAfterTheHold() throws Exception {
        ByteArrayOutputStream caller = new ByteArrayOutputStream();
        TerminalMaskingStream stream = new TerminalMaskingStream(caller, MASK);

        stream.write("card 4242 4242 ".getBytes(StandardCharsets.UTF_8));
        stream.write("4242 4242\r\n$ ".getBytes(StandardCharsets.UTF_8));
        String beforeHold = caller.toString(StandardCharsets.UTF_8);
        Thread.sleep(TerminalMaskingStream.HOLD.toMillis() * 10);
        String afterHold = caller.toString(StandardCharsets.UTF_8);
        stream.close();

        assertThat(beforeHold).isEqualTo("card **** **** **** ****\r\n");
        assertThat(afterHold).isEqualTo("card **** **** **** ****\r\n$ ");
    }

    @Test
    void arbitraryBytesKeepTheirLengthAndEveryEscapeByteWhateverTheyHold() {
        java.util.Random random = new java.util.Random(11);
        byte[] alphabet = "4242 \u001b[]\u0007\\m;0\r\n\u00ff\u00c3\u00a9x".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 2000; round++) {
            byte[] bytes = new byte[random.nextInt(80)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = alphabet[random.nextInt(alphabet.length)];
            }
            byte[] masked = bytes.clone();
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);

            TerminalText.mask(masked, from, masked.length, MASK);

            for (int i = 0; i < bytes.length; i++) {
                if (i < from || bytes[i] == 0x1b) {
                    assertThat(masked[i]).as("byte %d of round %d", i, round).isEqualTo(bytes[i]);
                } else if (masked[i] != bytes[i]) {
                    assertThat(masked[i]).isEqualTo((byte) '*');
                }
            }
        }
    }
}
