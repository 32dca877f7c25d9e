package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExecLineTest {

    @Test
    void aPlainCommandIsReadAsItsArgvAndIsNotOpaque() {
        dev.sluice.core.exec.ShellLine.Reading reading = ExecLine.read("ls -la /var/log");

        assertThat(reading.programs()).containsExactly("ls");
        assertThat(reading.argv()).containsExactly("ls", "-la", "/var/log");
        assertThat(reading.opaque()).isFalse();
    }

    @Test
    void quotesAndBackslashesAreRemovedAsTheShellRemovesThem() {
        assertThat(ExecLine.read("r''m -rf x").programs()).containsExactly("rm");
        assertThat(ExecLine.read("\"r\"m -rf x").programs()).containsExactly("rm");
        assertThat(ExecLine.read("r\\m -rf x").programs()).containsExactly("rm");
        assertThat(ExecLine.read("'/bin/RM' -rf x").programs()).containsExactly("rm");
        assertThat(ExecLine.read("r''m -rf x").opaque()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
            "ls; rm -rf x => ls rm",
            "ls && rm -rf x => ls rm",
            "ls || rm -rf x => ls rm",
            "ls | rm -rf x => ls rm",
            "(rm -rf x) => rm",
            "ls & rm x => ls rm",
            "sh -c 'rm -rf x' => sh rm",
            "bash -lc \"ls; r''m x\" => bash ls rm",
            "sudo rm -rf / => sudo rm",
            "sudo -u root rm -rf / => sudo root",
            "env FOO=1 rm x => env rm",
            "timeout 5 rm x => timeout rm",
            "xargs rm => xargs rm",
            "nohup sh -c 'rm x' => nohup sh rm",
            "FOO=bar rm x => rm",
            "echo $(rm x) => echo",
            "echo `rm x` => echo",
            "rm ${HOME} => rm",
            "rm * => rm",
            "rm ~/x => rm",
            "./script.sh => script.sh",
            "/tmp/rm x => rm",
            "python3 -c 'import os' => python3",
            "find . -exec rm {} + => find",
            "cat < /etc/passwd => cat",
            "echo x > /etc/passwd => echo",
            "eval rm x => eval",
    })
    void shellConstructsAreOpaqueAndEveryVisibleProgramIsNamed(String line, String programs) {
        dev.sluice.core.exec.ShellLine.Reading reading = ExecLine.read(line);

        assertThat(reading.opaque()).as(reading.reasons().toString()).isTrue();
        assertThat(reading.programs()).containsAll(java.util.List.of(programs.split(" ")));
    }

    @Test
    void aNewlineSeparatesCommands() {
        dev.sluice.core.exec.ShellLine.Reading reading = ExecLine.read("ls\nrm -rf x");

        assertThat(reading.programs()).containsExactly("ls", "rm");
        assertThat(reading.opaque()).isTrue();
    }

    @Test
    void unbalancedQuotesAndControlCharactersAreOpaque() {
        assertThat(ExecLine.read("echo 'x").opaque()).isTrue();
        assertThat(ExecLine.read("echo \"x").opaque()).isTrue();
        assertThat(ExecLine.read("ls\u0000rm").opaque()).isTrue();
        assertThat(ExecLine.read("ls\u001brm").opaque()).isTrue();
    }

    @Test
    void aLineOverTheBoundIsOpaqueWithoutBeingRead() {
        dev.sluice.core.exec.ShellLine.Reading reading = ExecLine.read("a".repeat(ExecLine.MAX_LENGTH + 1));

        assertThat(reading.opaque()).isTrue();
        assertThat(reading.programs()).isEmpty();
    }

    @Test
    void deeplyNestedShellsStopBeingReadAndAreOpaque() {
        String line = "rm x";
        for (int i = 0; i < 8; i++) {
            line = "sh -c " + "'" + line.replace("'", "'\\''") + "'";
        }
        dev.sluice.core.exec.ShellLine.Reading reading = ExecLine.read(line);

        assertThat(reading.opaque()).isTrue();
        assertThat(reading.reasons()).anyMatch(r -> r.contains("nested"));
    }

    @Test
    void systemPathsAndQuotedArgumentsStayReadable() {
        dev.sluice.core.exec.ShellLine.Reading reading = ExecLine.read("/usr/bin/grep -F 'a b' \"c d\" file");

        assertThat(reading.opaque()).isFalse();
        assertThat(reading.argv()).containsExactly("/usr/bin/grep", "-F", "a b", "c d", "file");
    }
}
