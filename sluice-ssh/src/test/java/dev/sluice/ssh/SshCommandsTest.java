package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.ExecCommand;

class SshCommandsTest {

    private static ExecCommand exec(String line) {
        Command first = SshCommands.exec(line).getFirst();
        return (ExecCommand) first;
    }

    @Test
    void anOpaqueExecLineIsAlsoOfKindOpaqueAndAPlainOneIsNot() {
        assertThat(exec("echo hello").kinds()).containsExactly("EXEC");
        assertThat(exec("echo hello").opaque()).isFalse();
        for (String line : new String[] {"echo \"$(touch x)\"", "echo `touch x`", "ls > x"}) {
            assertThat(exec(line).opaque()).as(line).isTrue();
            assertThat(exec(line).kinds()).as(line).containsExactly("EXEC", "OPAQUE");
        }
    }

    @Test
    void programsThatRunCommandsFromTheirInputAreOpaque() {
        for (String line : new String[] {"sqlite3 :memory:", "psql -h db", "mysql", "mariadb", "tmux", "screen -r",
                "nsenter -t 1 -m ls", "ftp host"}) {
            assertThat(exec(line).opaque()).as(line).isTrue();
        }
        assertThat(exec("nsenter -t 1 -m rm x").programs()).contains("rm");
    }

    @Test
    void anEnvRequestIsOpaqueUnlessItOnlyChoosesALanguageTerminalOrTimeZone() {
        for (String name : new String[] {"LANG", "LC_ALL", "LC_MESSAGES", "TERM", "TZ", "LANGUAGE", "COLORTERM"}) {
            assertThat(SshCommands.env(name, "x").opaque()).as(name).isFalse();
            assertThat(SshCommands.env(name, "x").kinds()).as(name).containsExactly("ENV");
        }
        for (String name : new String[] {"LD_PRELOAD", "BASH_ENV", "ENV", "PATH", "IFS", "PYTHONPATH",
                "GIT_SSH_COMMAND", "PAGER", "SLUICE_X", "lang"}) {
            assertThat(SshCommands.env(name, "x").opaque()).as(name).isTrue();
            assertThat(SshCommands.env(name, "x").kinds()).as(name).containsExactly("ENV", "OPAQUE");
        }
    }
}
