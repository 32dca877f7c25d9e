package dev.sluice.ssh.scp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for the legacy scp control-line decoder, which every line of an {@code scp -t}/{@code scp -f}
 * stream goes through before Sluice judges it: it fails only with {@link ScpLine.MalformedLineException}, and every
 * file or directory name it accepts is one path segment (no {@code /}, not {@code ..}) without control characters.
 */
class ScpLineFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void parse(byte[] data) {
        try {
            Optional<byte[]> raw = ScpLine.readRaw(new ByteArrayInputStream(data));
            if (raw.isEmpty()) {
                return;
            }
            ScpLine line = ScpLine.parse(raw.get());
            String name = switch (line) {
                case ScpLine.File file -> file.name();
                case ScpLine.Directory directory -> directory.name();
                default -> "x";
            };
            assertThat(name).isNotEmpty().isNotEqualTo("..").doesNotContain("/");
            assertThat(name.chars()).noneMatch(c -> c < 0x20 || c == 0x7f);
        } catch (ScpLine.MalformedLineException e) {
            assertThat(e.getMessage()).isNotBlank();
        } catch (IOException e) {
            throw new AssertionError("only MalformedLineException may be thrown", e);
        }
    }
}
