package dev.sluice.ssh.scp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ScpLineTest {

    private static ScpLine parse(String line) throws IOException {
        return ScpLine.parse(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theFiveLineTypesAreDecoded() throws IOException {
        assertThat(parse("C0644 12 a b.txt\n")).isEqualTo(new ScpLine.File("0644", 12, "a b.txt"));
        assertThat(parse("D0755 0 dir\n")).isEqualTo(new ScpLine.Directory("0755", "dir"));
        assertThat(parse("E\n")).isEqualTo(new ScpLine.End());
        assertThat(parse("T1700000000 0 1700000001 0\n")).isInstanceOf(ScpLine.Time.class);
        assertThat(parse("\u0001scp: x: No such file\n")).isEqualTo(new ScpLine.Error(false, "scp: x: No such file"));
        assertThat(parse("\u0002fatal\n")).isEqualTo(new ScpLine.Error(true, "fatal"));
        assertThat(parse("D0755 0 .\n")).isEqualTo(new ScpLine.Directory("0755", "."));
    }

    @Test
    void namesThatLeaveTheirDirectoryOrHideControlCharactersAreRefused() {
        for (String line : List.of("C0644 1 ..\n", "D0755 0 ..\n", "C0644 1 ../x\n", "C0644 1 a/b\n", "C0644 1 /etc\n",
                "C0644 1 \n", "C0644 1 a\rb\n", "C0644 1 a\u001b[2Kb\n", "C0644 1 a\u0085b\n", "C0644 1 a\u0000b\n")) {
            assertThatThrownBy(() -> parse(line)).as(line).isInstanceOf(ScpLine.MalformedLineException.class)
                    .hasMessageContaining("is refused");
        }
    }

    @Test
    void malformedLinesAreRefusedWithTheRuleTheyBreak() {
        assertThatThrownBy(() -> parse("C644 1 a\n")).hasMessageContaining("expected: 4 octal digits");
        assertThatThrownBy(() -> parse("C0648 1 a\n")).hasMessageContaining("expected: 4 octal digits");
        assertThatThrownBy(() -> parse("C0644 -1 a\n")).hasMessageContaining("bad size");
        assertThatThrownBy(() -> parse("C0644 1234567890123456789 a\n")).hasMessageContaining("bad size");
        assertThatThrownBy(() -> parse("E extra\n")).hasMessageContaining("E line");
        assertThatThrownBy(() -> parse("T1 2\n")).hasMessageContaining("T line");
        assertThatThrownBy(() -> parse("X\n")).hasMessageContaining("unknown scp control line type 0x58");
        assertThatThrownBy(() -> ScpLine.parse(new byte[] {'C', '0', '6', '4', '4', ' ', '1', ' ', (byte) 0xff, '\n'}))
                .hasMessageContaining("not UTF-8");
        assertThatThrownBy(() -> parse("C0644 1 a")).hasMessageContaining("newline");
    }

    @Test
    void linesAreReadWhateverHowTheStreamIsSplitAndAreBounded() throws IOException {
        byte[] stream = "C0644 3 abc\nD0755 0 d\nE\n".getBytes(StandardCharsets.UTF_8);
        List<String> result = new ArrayList<>();
        InputStream in = new FilterInputStream(new ByteArrayInputStream(stream)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1)); // one byte at a time: every boundary
            }
        };
        Optional<byte[]> raw;
        while ((raw = ScpLine.readRaw(in)).isPresent()) {
            result.add(new String(raw.get(), StandardCharsets.UTF_8));
        }
        assertThat(result).containsExactly("C0644 3 abc\n", "D0755 0 d\n", "E\n");
        assertThatThrownBy(() -> ScpLine.readRaw(new ByteArrayInputStream(("C0644 1 " + "a".repeat(5000) + "\n")
                .getBytes(StandardCharsets.UTF_8)))).hasMessageContaining("(expected: <= 4096)");
        assertThatThrownBy(() -> ScpLine.readRaw(new ByteArrayInputStream("C0644".getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("cut off");
    }

    @Test
    void errorsSentToAPeerAreOneLine() {
        assertThat(new String(ScpLine.error("a\nb\rc"), StandardCharsets.UTF_8)).isEqualTo("\u0001a b c\n");
    }

    @Test
    void pathsBelowARootAreFoldedAndKeepTheHomePrefix() {
        assertThat(ScpGate.join("~/", "a")).isEqualTo("~/a");
        assertThat(ScpGate.join("~/up", ".")).isEqualTo("~/up");
        assertThat(ScpGate.join("/srv/app", "x")).isEqualTo("/srv/app/x");
    }
}
