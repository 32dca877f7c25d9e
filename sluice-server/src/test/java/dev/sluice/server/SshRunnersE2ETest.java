package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Red-team attacks on an allow-list SSH connection ({@code default: deny}, a rule allowing {@code sort *},
 * {@code split *}, {@code python3.11 *}, {@code gcc *} by name with {@code kinds: [EXEC]}) through programs that are
 * not shells but run other programs: an option that runs a command, in the GNU abbreviations the program accepts
 * ({@code split --fil=CMD}, {@code sort --compress-prog=sh}), a versioned interpreter name, a compiler's
 * {@code -wrapper}. With the real OpenSSH client through Sluice to a real sshd: each checks the host's files
 * afterwards, the client's exit status and message, and the audit trail; a rule that lists {@code OPAQUE} is the
 * control that shows the target would have run it.
 */
class SshRunnersE2ETest {
    static SshHarness harness;

    @BeforeAll
    static void start() throws IOException {
        harness = SshHarness.start(h -> """
                  - name: web-2
                    type: ssh
                    address: %s
                    user: %s
                    private-key: ${file:%s}
                    host-key: "%s"
                    default: deny
                    allow:
                      groups: [agents, sre]
                """.formatted(h.sshd().address(), h.sshd().user(), h.dir().resolve("target-key"),
                h.sshd().hostKeyLine()), h -> """
                policies:
                  - name: web-2-by-name
                    connections: [web-2]
                    groups: [agents]
                    allow:
                      kinds: [EXEC]
                      commands: [sort, "sort *", split, "split *", python3.11, "python3.11 *", gcc, "gcc *"]
                  - name: sre-may-run-opaque
                    connections: [web-2]
                    groups: [sre]
                    allow:
                      kinds: [EXEC, OPAQUE]
                      commands: [sort, "sort *", split, "split *"]
                """);
        // Input whose lines are shell commands: sort feeds its temporary chunks to the compress program's stdin.
        String lines = IntStream.rangeClosed(1, 20_000).mapToObj(i -> ": " + i).collect(Collectors.joining("\n"));
        for (String[] input : List.of(new String[] {"input", "pwned-sort"}, new String[] {"input-sre", "ok-sort"})) {
            Files.writeString(harness.sshd().home().resolve(input[0]), "touch " + input[1] + "\n" + lines + "\n");
            Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "chown", harness.sshd().user(),
                    harness.sshd().home().resolve(input[0]).toString());
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject));
    }

    @Test
    void anAllowedProgramGivenAnOptionThatRunsACommandIsRefusedInEverySpelling() {
        String token = harness.token("eve-runners", "agents");
        Cli.Result plain = harness.sshWithToken(token, "web-2", "", "split -l 5000 input part-");
        assertThat(plain.exitCode()).as(plain.stderr()).isEqualTo(0);
        assertThat(harness.sshd().home().resolve("part-aa")).exists();

        for (String[] attack : List.of(new String[] {"split --filter='touch pwned-split' input", "pwned-split"},
                new String[] {"split --fil='touch pwned-split-abbrev' input", "pwned-split-abbrev"},
                new String[] {"split input --fi 'touch pwned-split-late'", "pwned-split-late"},
                new String[] {"sort -S 1 --compress-prog=sh input", "pwned-sort"},
                new String[] {"python3.11 -c 'open(\"pwned-python\", \"w\")'", "pwned-python"},
                new String[] {"gcc -wrapper /bin/sh,-c,'touch pwned-gcc' -x c -c -o /dev/null /dev/null",
                        "pwned-gcc"})) {
            Cli.Result result = harness.sshWithToken(token, "web-2", "", attack[0]);
            assertThat(result.exitCode()).as(attack[0] + ": " + result.stderr()).isEqualTo(126);
            assertThat(result.stderr()).as(attack[0]).contains("Sluice").contains("opaque");
            assertThat(harness.sshd().home().resolve(attack[1])).as(attack[0]).doesNotExist();
            assertThat(audit("eve-runners")).as(attack[0]).anySatisfy(r -> {
                assertThat(r.statement()).isEqualTo(attack[0]);
                assertThat(r.verdict()).isEqualTo("deny");
            });
        }
    }

    @Test
    void aRuleThatListsOpaqueLetsTheSameLinesRunSoTheTargetWouldHaveRunThem() {
        String token = harness.token("ops-runners", "sre");
        Cli.Result split = harness.sshWithToken(token, "web-2", "", "split --fil='touch ok-split' input");
        Cli.Result sort = harness.sshWithToken(token, "web-2", "", "sort -S 1 --compress-prog=sh input-sre");

        assertThat(split.exitCode()).as(split.stderr()).isEqualTo(0);
        assertThat(harness.sshd().home().resolve("ok-split")).exists();
        assertThat(harness.sshd().home().resolve("ok-sort")).exists();
        assertThat(audit("ops-runners")).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("split --fil='touch ok-split' input");
            assertThat(r.verdict()).isEqualTo("allow");
        });
    }
}
