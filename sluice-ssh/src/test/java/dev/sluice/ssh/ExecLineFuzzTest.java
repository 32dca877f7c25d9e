package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for {@link ExecLine#read}, which every exec line goes through before it is judged: it never
 * throws, it names programs in lower case, and a line with any shell expansion, operator or quote character that it
 * could mis-read is opaque (so a rule cannot be walked around by syntax Sluice reads differently from the shell).
 */
class ExecLineFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void read(byte[] data) {
        String line = new String(data, StandardCharsets.UTF_8);
        dev.sluice.core.exec.ShellLine.Reading reading = ExecLine.read(line);

        assertThat(reading.programs()).allSatisfy(p -> assertThat(p).isEqualTo(p.toLowerCase(Locale.ROOT)));
        if (line.length() <= ExecLine.MAX_LENGTH && line.chars().anyMatch(c -> "$`;&|<>()*?[~{}!\n".indexOf(c) >= 0
                && !insideSingleQuotesOnly(line))) {
            assertThat(reading.opaque()).as(line).isTrue();
        }
    }

    /**
     * Every metacharacter is quoted (single quotes, or double quotes for all but {@code $} and backquote), so the
     * shell takes it literally, and so does ExecLine.
     */
    private static boolean insideSingleQuotesOnly(String line) {
        boolean quoted = false;
        boolean escaped = false;
        boolean doubleQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (escaped) {
                escaped = false;
                continue;
            }
            if (!quoted && c == '\\') {
                escaped = true;
                continue;
            }
            if (!doubleQuoted && c == '\'') {
                quoted = !quoted;
                continue;
            }
            if (!quoted && c == '"') {
                doubleQuoted = !doubleQuoted;
                continue;
            }
            if (!quoted && !doubleQuoted && "$`;&|<>()*?[~{}!\n".indexOf(c) >= 0) {
                return false;
            }
            if (doubleQuoted && (c == '$' || c == '`')) {
                return false; // expansions happen inside double quotes too
            }
        }
        return true;
    }
}
