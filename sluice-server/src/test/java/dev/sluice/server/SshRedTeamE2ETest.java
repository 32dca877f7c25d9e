package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Red-team attacks on SSH exec by an agent holding a valid token, beyond {@link SshExecE2ETest}, with the real
 * OpenSSH client through Sluice to a real sshd that (unlike the default) accepts {@code LD_PRELOAD} from clients:
 * <ul>
 *   <li>on an allow-list connection ({@code default: deny}, an allow rule naming programs with argument globs), shell
 *       code hidden where the reading cannot name a program (backquotes, {@code "$(...)"}, a redirection) or fed to
 *       an allowed program that runs commands from its stdin ({@code sqlite3 .shell});</li>
 *   <li>on a deny-list connection, an {@code env} request ({@code LD_PRELOAD}) that makes an allowed line load an
 *       uploaded library that runs a denied program. ({@code PATH} would not do: sshd sets it after the client's
 *       variables.)</li>
 * </ul>
 * Each checks the host's files afterwards, the client's exit status and message, and the audit trail.
 */
class SshRedTeamE2ETest {
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
                  - name: agents-never-touch
                    connections: [web-1]
                    groups: [agents]
                    deny:
                      commands: [touch, rm]
                  - name: web-2-allow-list
                    connections: [web-2]
                    groups: [agents]
                    allow:
                      kinds: [EXEC]
                      commands: [echo, "echo *", ls, "ls *", sqlite3, "sqlite3 *"]
                  - name: sre-may-run-shell-code
                    connections: [web-2]
                    groups: [sre]
                    allow:
                      kinds: [EXEC, OPAQUE]
                      commands: [echo, "echo *", sqlite3, "sqlite3 *"]
                masking:
                  - name: mail-addresses
                    connections: [web-1]
                    detectors: [email]
                    strategy: redact
                """, options -> options.withAcceptEnv("LD_PRELOAD"));
        // A library that runs a command when loaded, as an agent would upload it by sftp (here built in place).
        Path lib = harness.sshd().home().resolve("lib");
        Files.createDirectories(lib);
        Files.writeString(lib.resolve("evil.c"), """
                #include <stdlib.h>
                __attribute__((constructor)) static void evil(void) {
                    unsetenv("LD_PRELOAD");
                    system("touch \\\"$HOME/" MARK "\\\"");
                }
                """);
        for (String who : List.of("agent", "sre")) {
            Cli.runOrFail(Map.of(), Duration.ofSeconds(60), "gcc", "-shared", "-fPIC", "-DMARK=\"pwned-env-" + who
                    + "\"", "-o", lib.resolve("evil-" + who + ".so").toString(), lib.resolve("evil.c").toString());
        }
        Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "chown", "-R", harness.sshd().user(), lib.toString());
        // A customer list in ISO-8859-1, as older exports are: not valid UTF-8.
        Files.write(harness.sshd().home().resolve("customers-latin1.csv"),
                "Jos\u00e9,ada@example.com\nZo\u00eb,bob@example.com".getBytes(StandardCharsets.ISO_8859_1));
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject));
    }

    @Test
    void shellCodeHiddenInAnAllowListedLineNeverRuns() {
        String token = harness.token("eve-allow-list", "agents");
        Cli.Result allowed = harness.sshWithToken(token, "web-2", "", "echo hello");
        assertThat(allowed.exitCode()).isEqualTo(0);
        assertThat(allowed.stdout()).isEqualTo("hello\n");

        for (String[] attack : List.of(new String[] {"echo \"$(touch pwned-quoted)\"", "pwned-quoted"},
                new String[] {"echo `touch pwned-backquote`", "pwned-backquote"},
                new String[] {"ls > pwned-redirect", "pwned-redirect"},
                new String[] {"echo x; touch pwned-list", "pwned-list"})) {
            Cli.Result result = harness.sshWithToken(token, "web-2", "", attack[0]);
            assertThat(result.exitCode()).as(attack[0]).isEqualTo(126);
            assertThat(result.stderr()).as(attack[0]).contains("Sluice");
            assertThat(harness.sshd().home().resolve(attack[1])).as(attack[0]).doesNotExist();
            assertThat(audit("eve-allow-list")).as(attack[0]).anySatisfy(r -> {
                assertThat(r.statement()).isEqualTo(attack[0]);
                assertThat(r.verdict()).isEqualTo("deny");
            });
        }
        // The control: a rule that lists OPAQUE lets the same shell code run, so the target would have run it.
        Cli.Result sre = harness.sshWithToken(harness.token("ops-allow-list", "sre"), "web-2", "",
                "echo \"$(touch ok-quoted)\"");
        assertThat(sre.exitCode()).isEqualTo(0);
        assertThat(harness.sshd().home().resolve("ok-quoted")).exists();
    }

    @Test
    void anAllowListedProgramThatRunsCommandsFromItsInputIsOpaque() {
        String token = harness.token("eve-sqlite", "agents");
        Cli.Result result = harness.sshWithToken(token, "web-2", ".shell touch pwned-sqlite\n.quit\n",
                "sqlite3 :memory:");

        assertThat(result.exitCode()).isEqualTo(126);
        assertThat(result.stderr()).contains("opaque");
        assertThat(harness.sshd().home().resolve("pwned-sqlite")).doesNotExist();
        assertThat(audit("eve-sqlite")).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("sqlite3 :memory:");
            assertThat(r.verdict()).isEqualTo("deny");
        });
        Cli.Result sre = harness.sshWithToken(harness.token("ops-sqlite", "sre"), "web-2",
                ".shell touch ok-sqlite\n.quit\n", "sqlite3 :memory:");
        assertThat(sre.exitCode()).isEqualTo(0);
        assertThat(harness.sshd().home().resolve("ok-sqlite")).exists();
    }

    @Test
    void anEnvRequestThatChangesWhatAProgramRunsIsNotPassedOn() {
        String token = harness.token("eve-env", "agents");
        Path library = harness.sshd().home().resolve("lib/evil-agent.so");
        Cli.Result result = harness.sshWithToken(token, List.of("-o", "SetEnv=LD_PRELOAD=" + library + " LANG=C"),
                "web-1", "", "ls");

        assertThat(harness.sshd().home().resolve("pwned-env-agent")).doesNotExist();
        assertThat(result.exitCode()).isEqualTo(0);
        assertThat(result.stdout()).contains("lib");
        assertThat(result.stderr()).contains("LD_PRELOAD not passed on");
        assertThat(audit("eve-env")).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("LD_PRELOAD=");
            assertThat(r.verdict()).isEqualTo("deny");
            assertThat(r.error()).contains("agents-never-touch");
        }).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("LANG=C");
            assertThat(r.verdict()).isEqualTo("allow");
        });

        // The control: for a caller no restrictive rule selects, the target does honour the variable.
        Cli.Result sre = harness.sshWithToken(harness.token("ops-env", "sre"), List.of("-o", "SetEnv=LD_PRELOAD="
                + harness.sshd().home().resolve("lib/evil-sre.so")), "web-1", "", "true");
        assertThat(sre.exitCode()).isEqualTo(0);
        assertThat(harness.sshd().home().resolve("pwned-env-sre")).exists();
    }

    @Test
    void requestsSentOutOfOrderOnOneChannelNeverRunASecondCommand() throws Exception {
        try (org.apache.sshd.client.SshClient client = org.apache.sshd.client.SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (var session = client.connect("web-2", "127.0.0.1", harness.port()).verify(Duration.ofSeconds(30))
                    .getSession()) {
                session.addPasswordIdentity(harness.token("eve-channels", "agents"));
                session.auth().verify(Duration.ofSeconds(30));
                // an allowed exec, then at once a second exec, a shell and a subsystem on the same channel
                String first = channel(session, List.of("exec:echo allowed-one", "exec:touch pwned-second",
                        "shell:", "subsystem:sftp", "exec:touch pwned-third"));
                // a denied exec, then a shell and an allowed exec on the same channel
                String second = channel(session, List.of("exec:touch pwned-fourth", "shell:", "exec:echo late"));
                assertThat(first).doesNotContain("late");
                assertThat(second).doesNotContain("late");
            }
        }
        for (String name : List.of("pwned-second", "pwned-third", "pwned-fourth")) {
            assertThat(harness.sshd().home().resolve(name)).doesNotExist();
        }
        assertThat(audit("eve-channels")).filteredOn(r -> r.kind().equals("command"))
                .noneMatch(r -> r.verdict().equals("allow") && !r.statement().equals("echo allowed-one"));
    }

    /** Opens a session channel, sends {@code TYPE:ARGUMENT} requests back to back, returns its output once closed. */
    private static String channel(org.apache.sshd.client.session.ClientSession session, List<String> requests)
            throws Exception {
        var channel = new org.apache.sshd.client.channel.ChannelSession();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        channel.setOut(out);
        channel.setErr(out);
        session.getService(org.apache.sshd.common.session.ConnectionService.class).registerChannel(channel);
        channel.open().verify(Duration.ofSeconds(30));
        for (String request : requests) {
            String type = request.substring(0, request.indexOf(':'));
            String argument = request.substring(request.indexOf(':') + 1);
            var buffer = session.createBuffer(org.apache.sshd.common.SshConstants.SSH_MSG_CHANNEL_REQUEST);
            buffer.putUInt(channel.getRecipient());
            buffer.putString(type);
            buffer.putBoolean(false);
            if (!type.equals("shell")) {
                buffer.putString(argument);
            }
            session.writePacket(buffer);
        }
        channel.waitFor(java.util.EnumSet.of(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED),
                Duration.ofSeconds(30));
        channel.close(false);
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void maskedValuesStayMaskedInTextThatIsNotUtf8SplitAcrossWritesOrOnStderr() {
        String token = harness.token("ops-mask", "sre");
        Cli.Result latin1 = harness.sshWithToken(token, "web-1", "", "cat customers-latin1.csv");
        assertThat(latin1.exitCode()).isEqualTo(0);
        assertThat(latin1.stdout()).doesNotContain("ada@example.com").doesNotContain("bob@example.com")
                .contains("Jos").contains(",[REDACTED]");

        Cli.Result split = harness.sshWithToken(token, "web-1", "", "sh -c \"printf 'mail ada@exa'; sleep 0.3; "
                + "printf 'mple.com\\n'; printf 'err bob@example.com\\n' >&2; printf 'tail carol@example.com'\"");
        assertThat(split.exitCode()).isEqualTo(0);
        assertThat(split.stdout()).isEqualTo("mail [REDACTED]\ntail [REDACTED]");
        assertThat(split.stderr()).isEqualTo("err [REDACTED]\n");
    }
}
