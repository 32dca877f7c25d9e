package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class MaskingStreamTest {
    private static final UnaryOperator<String> MASK = text -> text.replaceAll("[a-z]+@[a-z]+\\.com", "[REDACTED]");

    private static byte[] through(byte[]... writes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MaskingStream stream = new MaskingStream(out, MASK)) {
            for (byte[] write : writes) {
                stream.write(write, 0, write.length);
            }
        }
        return out.toByteArray();
    }

    @Test
    void aValueSplitAcrossWritesIsMaskedOnceItsLineEnds() throws IOException {
        assertThat(new String(through("mail ada@exa".getBytes(StandardCharsets.UTF_8),
                "mple.com\ntail bob@example.com".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
                .isEqualTo("mail [REDACTED]\ntail [REDACTED]");
    }

    @Test
    void textThatIsNotUtf8IsMaskedAndItsOtherBytesPassUnchanged() throws IOException {
        byte[] latin1 = "Jos\u00e9,ada@example.com\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(through(latin1)).isEqualTo("Jos\u00e9,[REDACTED]\n".getBytes(StandardCharsets.ISO_8859_1));
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, '\n', (byte) 0x80};
        assertThat(through(binary)).isEqualTo(binary);
    }
}
