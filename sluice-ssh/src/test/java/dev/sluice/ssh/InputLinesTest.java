package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class InputLinesTest {

    private static List<String> typed(String keys) {
        List<String> result = new ArrayList<>();
        InputLines lines = new InputLines(result::add);
        byte[] bytes = keys.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            lines.feed(bytes, i, 1); // one key at a time, as a terminal sends them
        }
        return result;
    }

    @Test
    void enterEndsALine() {
        assertThat(typed("ls -la\rcat x\n")).containsExactly("ls -la", "cat x");
    }

    @Test
    void lineEditingKeysAreApplied() {
        assertThat(typed("lx\u007fs\r")).containsExactly("ls");
        assertThat(typed("rm -rf /\u0015echo ok\r")).containsExactly("echo ok");
        assertThat(typed("echo one two\u0017three\r")).containsExactly("echo one three");
        assertThat(typed("sleep 100\u0003\r")).isEmpty();
    }

    @Test
    void escapeSequencesAreSkipped() {
        assertThat(typed("ls\u001b[A\u001b[D -l\r")).containsExactly("ls -l");
        assertThat(typed("\u001bOAuptime\r")).containsExactly("uptime");
    }

    @Test
    void utf8IsKept() {
        assertThat(typed("echo grüße\r")).containsExactly("echo grüße");
    }

    @Test
    void aLineIsCapped() {
        assertThat(typed("x".repeat(InputLines.MAX_LINE + 100) + "\r").getFirst()).hasSize(InputLines.MAX_LINE);
    }
}
