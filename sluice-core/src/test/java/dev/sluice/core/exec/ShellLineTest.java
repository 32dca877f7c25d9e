package dev.sluice.core.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.core.policy.Condition;

/** Programs that run other programs without being a shell: each line is read as opaque, its plain form is not. */
class ShellLineTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            // options that run a command, in every spelling GNU getopt_long accepts
            "sort --compress-program=sh x", "sort --compress-program sh x", "sort --compress-prog=sh x",
            "sort --com=sh x", "sort x --compress-program=sh", "split --filter='sh -c id' x", "split --fil=sh x",
            "sdiff --diff-program=sh a b", "diff3 --diff-prog=sh a b c", "ssh-keygen -D /tmp/evil.so",
            "ssh-keygen -qD /tmp/evil.so", "ip netns exec ns0 sh", "ip netns e ns0 id", "ip -batch /tmp/x",
            "ip -b /tmp/x",
            // versioned and cross-prefixed interpreters
            "python3.11 -c 'import os'", "/usr/bin/python3.11 -c x", "perl5.36.0 -e x",
            "perl5.36-x86_64-linux-gnu -e x", "ruby3.1 -e x", "node18 -e x", "lua5.4 -e x", "php8.2 -r x",
            "tclsh8.6 x", "gawk-5 'BEGIN{}'", "ksh93 -c id", "bash5 -c id",
            // compilers, build tools, finders, delegates, pagers and editors
            "gcc -wrapper /bin/sh,-c,id x.c", "cc -B/tmp x.c", "gcc-12 -fplugin=/tmp/p.so x.c",
            "x86_64-linux-gnu-gcc-12 x.c", "tcc -run x.c", "clang++ x.cc", "ld -plugin /tmp/p.so",
            "fd -x sh", "rg --pre sh x", "ldd /tmp/x", "convert '|id' x.png", "pandoc --filter sh x",
            "view -c '!id' x", "editor x", "pager x", "mail -s x y", "hg --config alias.x=!id x",
            "svn log", "cpio -i", "tcpdump -z sh",
            // shell builtins that run code, or load it
            "trap 'touch x' EXIT", "enable -f /tmp/x.so x", "mapfile -C 'sh -c' -c 1",
            // wrappers
            "setpriv sh", "prlimit sh", "capsh -- -c id", "fakeroot sh", "sshpass -p x sh", "ssh-agent sh",
            "gosu root sh", "start-stop-daemon -S -x /bin/sh", "run-parts /tmp/d", "podman run x", "perf stat sh",
            "systemd-nspawn sh", "numactl sh", "cgexec sh", "dbus-run-session sh", "xvfb-run sh", "rlwrap sh",
    })
    void aProgramThatRunsAnotherOneIsOpaque(String line) {
        ShellLine.Reading reading = ShellLine.read(line);

        assertThat(reading.opaque()).as(line + " " + reading.reasons()).isTrue();
        assertThat(reading.command("ssh", "EXEC", line).kinds()).contains(Condition.OPAQUE);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sort -n -k 2 x", "sort --compress-level x", "sort -- --compress-program=sh",
            "split -l 10 x", "sdiff a b", "ssh-keygen -lf key", "ip addr show", "ip -br a", "ls -la", "cat x",
            "grep -F 'a b' x", "sha256sum x", "python-is-not-here", "ssh-keyscan x"})
    void plainUsesOfThemStayReadable(String line) {
        ShellLine.Reading reading = ShellLine.read(line);

        assertThat(reading.opaque()).as(line + " " + reading.reasons()).isFalse();
    }

    @Test
    void anArgvRunWithoutAShellIsReadLiterallyAndItsShellLineAsAShellReadsIt() {
        ShellLine.Reading plain = ShellLine.readArgv(List.of("ls", "a;b", "$(x)"));
        ShellLine.Reading shell = ShellLine.readArgv(List.of("sh", "-c", "ls; rm -rf /"));
        ShellLine.Reading awk = ShellLine.readArgv(List.of("/usr/bin/awk", "BEGIN{system(\"id\")}"));
        ShellLine.Reading sort = ShellLine.readArgv(List.of("sort", "--compress-program=sh", "x"));
        ShellLine.Reading blank = ShellLine.readArgv(List.of("ls -la /"));

        assertThat(plain.opaque()).isFalse();
        assertThat(plain.programs()).containsExactly("ls");
        assertThat(shell.opaque()).isTrue();
        assertThat(shell.programs()).containsExactly("sh", "ls", "rm");
        assertThat(awk.opaque()).isTrue();
        assertThat(sort.opaque()).isTrue();
        assertThat(blank.opaque()).isTrue();
        assertThat(shell.command("kubernetes", "EXEC", "sh -c x").kinds()).containsExactly("EXEC",
                Condition.OPAQUE);
        assertThat(plain.command("kubernetes", "EXEC", "ls").kinds()).containsExactly("EXEC");
    }

    @Test
    void aTransferTheCallerJudgesItselfIsNotOpaqueForItsProgram() {
        assertThat(ShellLine.read("scp -t /srv/x", argv -> argv.get(0).equals("scp")).opaque()).isFalse();
        assertThat(ShellLine.read("scp -t /srv/x").opaque()).isTrue();
    }

    @Test
    void everyNameAProgramMayBeInstalledAsIsLookedUp() {
        assertThat(Runners.names("python3.11")).contains("python");
        assertThat(Runners.names("x86_64-linux-gnu-gcc-12")).contains("gcc");
        assertThat(Runners.names("perl5.36-x86_64-linux-gnu")).contains("perl");
        assertThat(Runners.names("g++-12")).contains("g++");
        assertThat(Runners.names("ssh-keyscan")).doesNotContain("ssh");
    }
}
