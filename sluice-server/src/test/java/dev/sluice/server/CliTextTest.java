package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Nothing a caller chose can break or disguise a line of the CLI's text output. */
class CliTextTest {
    @Test
    void escapesEveryLineBreakingControlAndFormatCharacter() {
        assertThat(CliText.escape("plain text, é and 😀")).isEqualTo("plain text, é and 😀");
        assertThat(CliText.escape("a\nb\rc\td\\e")).isEqualTo("a\\nb\\rc\\td\\\\e");
        assertThat(CliText.escape("esc\u001b[2Jbell\u0007del\u007fnel\u0085")).isEqualTo(
                "esc\\u001b[2Jbell\\u0007del\\u007fnel\\u0085");
        assertThat(CliText.escape("ls\u2028ps\u2029rlo\u202ezw\u200bbom\ufeff")).isEqualTo(
                "ls\\u2028ps\\u2029rlo\\u202ezw\\u200bbom\\ufeff");
        assertThat(CliText.escape("x\u000bvt\u000cff")).doesNotContain("\u000b", "\u000c");
    }

    @Test
    void anEscapedValueIsOneLine() {
        for (char c = 0; c < 0xFFFF; c++) {
            String escaped = CliText.escape("a" + c + "b");
            assertThat(escaped.lines().count()).as("U+%04X", (int) c).isEqualTo(1);
        }
    }
}
