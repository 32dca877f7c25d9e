package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.ssh.SshCa;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;

/**
 * Who gets in and how, with the real OpenSSH client: each authentication method (token as password, registered key,
 * CA-signed certificate) and its failures (bad token, expired certificate, wrong CA, several principals, source
 * address), certificate options, the target login choice, the target's host key pin, Sluice's per-session
 * certificate to a host that trusts its CA, port forwarding allowed and refused, and an interactive shell in a real
 * terminal (tmux) with a window change, replayed from the audit trail.
 */
class SshAccessE2ETest {
    static SshHarness harness;
    static ServerSocket echo;

    @BeforeAll
    static void start() throws Exception {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(SshAccessE2ETest::serveEcho);
        harness = SshHarness.start(h -> """
                  - name: web-ca
                    type: ssh
                    address: %s
                    user: %s
                    certificate-authority: true
                    host-key: "%s"
                    allow:
                      groups: [sre]
                  - name: web-pw
                    type: ssh
                    address: %s
                    user: %s
                    password: ${file:%s}
                    host-key: "%s"
                    allow:
                      groups: [sre]
                  - name: web-bad
                    type: ssh
                    address: %s
                    user: %s
                    private-key: ${file:%s}
                    host-key: "%s"
                    allow:
                      groups: [sre]
                """.formatted(h.sshd().address(), h.sshd().user(), h.sshd().hostKeyLine(), h.sshd().address(),
                h.sshd().user(), h.dir().resolve("target-password"), h.sshd().hostKeyLine(), h.sshd().address(),
                h.sshd().user(), h.dir().resolve("target-key"), read(h.dir().resolve("other-ca.pub"))), h -> """
                policies:
                  - name: sre-shells
                    connections: [web-1]
                    groups: [sre]
                    allow:
                      kinds: [SHELL]
                  - name: forwards-only-to-echo
                    connections: [web-1]
                    deny:
                      kinds: [FORWARD]
                      when: "command.command_line != '127.0.0.1:%d'"
                """.formatted(echo.getLocalPort()));
        harness.sshd().trustUserCaKeys(List.of(SshCa.publicKeyLine(harness.dataDir())));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void serveEcho() {
        while (!echo.isClosed()) {
            try {
                Socket socket = echo.accept();
                Thread.ofVirtual().start(() -> {
                    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                        in.transferTo(out);
                    } catch (java.io.IOException e) {
                        // the client went away
                    }
                });
            } catch (java.io.IOException e) {
                return;
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        harness.close();
        echo.close();
    }

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject));
    }

    private static List<AuditRecord> all() {
        return harness.audit(AuditQuery.all().withLimit(5000));
    }

    @Test
    void aRegisteredKeyLogsInAsItsSubject() {
        Cli.Result result = harness.sshWithKey(harness.callerKey(), List.of(), "web-1", "echo by-key");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("by-key\n");
        assertThat(audit("agent-key")).extracting(AuditRecord::kind).contains("session.start", "command");
    }

    @Test
    void openSshNegotiatesAesGcmWithTheListenerAndAClientWithoutAesGcmIsRefused() {
        // OpenSSH takes the first cipher of its own list that the server offers; Sluice offers AES-GCM only
        // (AEAD: no separate HMAC per packet), so the default client lands there and not on AES-CTR
        Cli.Result gcm = harness.sshWithKey(harness.callerKey(), List.of("-o", "LogLevel=DEBUG1"), "web-1",
                "echo by-gcm");

        assertThat(gcm.exitCode()).as(gcm.stderr()).isZero();
        assertThat(gcm.stdout()).isEqualTo("by-gcm\n");
        assertThat(gcm.stderr()).contains("kex: client->server cipher: aes128-gcm@openssh.com")
                .contains("kex: server->client cipher: aes128-gcm@openssh.com");

        Cli.Result ctr = harness.sshWithKey(harness.callerKey(), List.of("-o", "LogLevel=INFO", "-o",
                "Ciphers=aes128-ctr,aes256-ctr"), "web-1", "echo by-ctr");

        assertThat(ctr.exitCode()).isEqualTo(255);
        assertThat(ctr.stdout()).doesNotContain("by-ctr");
        assertThat(ctr.stderr()).contains("no matching cipher found");
    }

    @Test
    void anUnregisteredKeyIsRefused() {
        Cli.Result result = harness.sshWithKey(harness.dir().resolve("stranger-key"), List.of(), "web-1", "true");

        assertThat(result.exitCode()).isEqualTo(255);
        assertThat(result.stderr()).contains("Permission denied");
    }

    @Test
    void aCertificateFromATrustedCaLogsInAsItsPrincipal() {
        Path cert = harness.certify("caller-ca", "carol", "-5m:+1h");

        Cli.Result result = harness.sshWithKey(harness.certKey(), List.of("-o", "CertificateFile=" + cert),
                "web-1", "echo by-cert");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("by-cert\n");
        assertThat(audit("carol")).filteredOn(r -> r.kind().equals("session.start")).singleElement()
                .satisfies(r -> assertThat(r.groups()).containsExactly("sre"));
    }

    @Test
    void badCertificatesAreRefusedAndAudited() {
        Map<String, Path> certs = Map.of(
                "expired", harness.certify("caller-ca", "dave-expired", "20200101:20200102"),
                "wrong CA", harness.certify("other-ca", "dave-wrong-ca", "-5m:+1h"),
                "two principals", harness.certify("caller-ca", "dave-two,root", "-5m:+1h"),
                "source address", harness.certify("caller-ca", "dave-source", "-5m:+1h",
                        "source-address=10.9.9.0/24"));
        certs.forEach((what, cert) -> {
            Cli.Result result = harness.sshWithKey(harness.certKey(), List.of("-o", "CertificateFile=" + cert),
                    "web-1", "echo should-not-run");
            assertThat(result.exitCode()).as(what).isEqualTo(255);
            assertThat(result.stdout()).as(what).doesNotContain("should-not-run");
        });
        Eventually.await(Duration.ofSeconds(10), () -> assertThat(all()).filteredOn(r -> r.kind().equals("auth.failure"))
                .extracting(AuditRecord::error)
                .anySatisfy(d -> assertThat(d).contains("not a trusted user CA"))
                .anySatisfy(d -> assertThat(d).contains("2 principals"))
                .anySatisfy(d -> assertThat(d).contains("source address"))
                .anySatisfy(d -> assertThat(d).contains("not valid now")));
        assertThat(all()).filteredOn(r -> r.kind().equals("session.start"))
                .noneSatisfy(r -> assertThat(r.subject()).startsWith("dave"));
    }

    @Test
    void aForcedCommandIsTheOnlyCommandACertificateMayRun() {
        Path cert = harness.certify("caller-ca", "erin", "-5m:+1h", "force-command=echo forced");
        List<String> options = List.of("-o", "CertificateFile=" + cert);

        Cli.Result other = harness.sshWithKey(harness.certKey(), options, "web-1", "echo other");
        Cli.Result forced = harness.sshWithKey(harness.certKey(), options, "web-1", "echo forced");

        assertThat(other.exitCode()).isEqualTo(126);
        assertThat(other.stderr()).contains("forces the command");
        assertThat(forced.stdout()).isEqualTo("forced\n");
    }

    @Test
    void aBadTokenIsRefusedAndAudited() {
        Cli.Result result = harness.sshWithToken("eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.", "web-1", "",
                "echo should-not-run");

        assertThat(result.exitCode()).as("sshpass: 5 is a refused password").isEqualTo(5);
        assertThat(result.stdout()).doesNotContain("should-not-run");
        assertThat(all()).filteredOn(r -> r.kind().equals("auth.failure")).anySatisfy(r ->
                assertThat(r.details()).containsEntry("protocol", "ssh"));
    }

    @Test
    void aCallerOutsideTheAllowListIsDisconnectedWithTheReason() {
        Cli.Result result = harness.sshWithToken(harness.token("mallory", "interns"), "web-1", "", "true");

        assertThat(result.exitCode()).isEqualTo(255);
        assertThat(result.stderr()).contains("not permitted for mallory");
        assertThat(audit("mallory")).extracting(AuditRecord::kind).contains("access.denied");
    }

    @Test
    void aTargetLoginTheConnectionDoesNotListIsRefused() {
        // OpenSSH prints a disconnect after authentication at LogLevel INFO (the default)
        Cli.Result result = harness.sshWithToken(harness.token("alice", "sre"), List.of("-o", "LogLevel=INFO"),
                "root+web-1", "", "id");

        assertThat(result.exitCode()).isEqualTo(255);
        assertThat(result.stderr()).contains("does not allow logging in as root");
    }

    @Test
    void aHostKeyThatIsNotThePinnedOneRefusesTheSessionAndIsAudited() {
        Cli.Result result = harness.sshWithToken(harness.token("alice-pin", "sre"), List.of("-o", "LogLevel=INFO"),
                "web-bad", "", "echo hi");

        assertThat(result.exitCode()).isEqualTo(255);
        assertThat(result.stdout()).doesNotContain("hi");
        assertThat(result.stderr()).contains("host key").contains("not the pinned");
        Eventually.await(() -> assertThat(audit("alice-pin")).filteredOn(r -> r.kind().equals("session.end"))
                .singleElement().satisfies(r -> assertThat(r.details().toString()).contains("not the pinned")));
    }

    @Test
    void aPerSessionCertificateFromSluicesCaLogsInToAHostThatTrustsIt() {
        Cli.Result result = harness.sshWithToken(harness.token("alice-ca", "sre"), "web-ca", "", "whoami");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo(harness.sshd().user() + "\n");
        String session = audit("alice-ca").getFirst().session();
        assertThat(harness.sshd().log()).contains("sluice-session-" + session);
        StringWriter printed = new StringWriter();
        CommandLine cli = new CommandLine(new SluiceCli());
        cli.setOut(new PrintWriter(printed));
        assertThat(cli.execute("ssh-ca", "--config", harness.dir().resolve("sluice.yaml").toString())).isZero();
        assertThat(printed.toString().strip()).isEqualTo(SshCa.publicKeyLine(harness.dataDir()))
                .startsWith("ssh-ed25519 ");
    }

    @Test
    void aTargetPasswordOnlySluiceKnowsLogsIn() throws Exception {
        String password = Files.readString(harness.dir().resolve("target-password"));

        Cli.Result result = harness.sshWithToken(harness.token("alice-pw", "sre"), "web-pw", "", "whoami");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo(harness.sshd().user() + "\n");
        assertThat(harness.sshd().log()).contains("Accepted password for " + harness.sshd().user());
        assertThat(all()).allSatisfy(r -> assertThat(r.toString()).doesNotContain(password));
    }

    @Test
    void aForwardToAnAllowedDestinationCarriesBytesAndOthersAreRefused() {
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "ssh"));
        command.addAll(harness.sshOptions());
        command.addAll(List.of("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                "-p", String.valueOf(harness.port())));
        Map<String, String> env = Map.of("SSHPASS", harness.token("alice-fwd", "sre"));

        List<String> allowed = new ArrayList<>(command);
        allowed.addAll(List.of("-W", "127.0.0.1:" + echo.getLocalPort(), "web-1@127.0.0.1"));
        Cli.Result through = Cli.runWithInput("ping through the tunnel\n", env, Duration.ofSeconds(30),
                allowed.toArray(String[]::new));
        List<String> refused = new ArrayList<>(command);
        refused.addAll(List.of("-W", "127.0.0.1:" + harness.httpPort(), "web-1@127.0.0.1"));
        Cli.Result gateway = Cli.runWithInput("GET / HTTP/1.0\r\n\r\n", env, Duration.ofSeconds(30),
                refused.toArray(String[]::new));
        List<String> remote = new ArrayList<>(command);
        remote.addAll(List.of("-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:22", "web-1@127.0.0.1",
                "true"));
        Cli.Result listen = Cli.run(env, Duration.ofSeconds(30), remote.toArray(String[]::new));

        assertThat(through.stdout()).isEqualTo("ping through the tunnel\n");
        assertThat(gateway.exitCode()).isNotZero();
        // MINA words every refused open "Generic error while opening channel": the rule is in the audit trail
        assertThat(gateway.stderr()).contains("administratively prohibited");
        assertThat(gateway.stdout()).doesNotContain("HTTP/");
        assertThat(listen.exitCode()).isNotZero();
        assertThat(listen.stderr()).contains("remote port forwarding failed");
        Eventually.await(() -> assertThat(audit("alice-fwd")).filteredOn(r -> r.verdict().equals("deny"))
                .extracting(r -> r.details().get("rule")).contains("forwards-only-to-echo"));
        Eventually.await(() -> assertThat(audit("alice-fwd")).extracting(AuditRecord::statement)
                .contains("127.0.0.1:" + echo.getLocalPort(), "127.0.0.1:" + harness.httpPort())
                .anySatisfy(s -> assertThat(s).startsWith("remote port forwarding")));
    }

    @Test
    void anInteractiveShellInARealTerminalFollowsWindowChangesAndReplays() throws Exception {
        String socket = "sluice-" + ProcessHandle.current().pid();
        List<String> ssh = new ArrayList<>(List.of("sshpass", "-e", "ssh", "-tt"));
        ssh.addAll(harness.sshOptions());
        ssh.addAll(List.of("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                "-p", String.valueOf(harness.port()), "web-1@127.0.0.1"));
        Map<String, String> none = Map.of();
        try {
            Cli.runOrFail(none, Duration.ofSeconds(10), "tmux", "-L", socket, "new-session", "-d", "-s", "shell",
                    "-x", "80", "-y", "24", "-e", "SSHPASS=" + harness.token("alice-shell", "sre"),
                    String.join(" ", ssh.stream().map(SshAccessE2ETest::quote).toList()) + "; sleep 60");
            Eventually.await(Duration.ofSeconds(20), () -> assertThat(pane(socket)).contains("$"));
            keys(socket, "echo hello-$((6*7))");
            Eventually.await(Duration.ofSeconds(10), () -> assertThat(pane(socket)).contains("hello-42"));
            Cli.runOrFail(none, Duration.ofSeconds(10), "tmux", "-L", socket, "resize-window", "-t", "shell",
                    "-x", "100", "-y", "30");
            // the new size travels tmux -> sshpass -> ssh -> Sluice -> sshd: ask until it has arrived
            Eventually.await(Duration.ofSeconds(15), () -> {
                keys(socket, "stty size");
                assertThat(pane(socket)).contains("30 100");
            });
            keys(socket, "exit");
            Eventually.await(Duration.ofSeconds(10), () -> assertThat(audit("alice-shell"))
                    .extracting(AuditRecord::kind).contains("session.end"));
        } finally {
            Cli.run(none, Duration.ofSeconds(10), "tmux", "-L", socket, "kill-server");
        }
        String session = audit("alice-shell").getFirst().session();

        String replay = replay(session, "--speed", "1000");
        String raw = replay(session, "--raw");

        assertThat(replay).contains("hello-42").contains("30 100").contains("observed input: echo hello-$((6*7))");
        assertThat(raw.lines().findFirst().orElseThrow()).startsWith("{\"version\":2,\"width\":80,\"height\":24");
        assertThat(raw).contains("\"r\", \"100x30\"");
    }

    @Test
    void malformedClientsAreCutOffAndTheListenerKeepsServing() throws Exception {
        Socket stalled = new Socket("127.0.0.1", harness.port());
        stalled.getOutputStream().write("SSH-2.0-never-finishes-key-exchange\r\n".getBytes());
        // garbage instead of an identification: held (bounded) until the 30 s authentication deadline, like the
        // stalled client above; neither blocks anyone else
        Socket garbage = new Socket("127.0.0.1", harness.port());
        garbage.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        try (Socket huge = new Socket("127.0.0.1", harness.port())) {
            huge.setSoTimeout(10_000);
            huge.getOutputStream().write("SSH-2.0-huge\r\n".getBytes());
            // an impossible packet length; MINA reads a little more (against length oracles), then disconnects
            byte[] junk = new byte[64 * 1024];
            java.util.Arrays.fill(junk, (byte) 0xff);
            try {
                huge.getOutputStream().write(junk);
                huge.getInputStream().readAllBytes(); // returns once Sluice closes the connection
            } catch (java.net.SocketException e) {
                // reset: Sluice closed it with our junk unread (a read timeout would not land here)
            }
        }
        try (org.apache.sshd.client.SshClient client = org.apache.sshd.client.SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (var session = client.connect("web-1", "127.0.0.1", harness.port()).verify(Duration.ofSeconds(30))
                    .getSession()) {
                session.addPasswordIdentity(harness.token("alice-channels", "sre"));
                session.auth().verify(Duration.ofSeconds(30));
                int opened = 0;
                int refused = 0;
                for (int i = 0; i < 100; i++) {
                    try {
                        // a session channel that asks for nothing stays open (a refused subsystem would end its
                        // channel at once, and the cap is on channels open together)
                        var idle = new org.apache.sshd.client.channel.ChannelSession();
                        session.getService(org.apache.sshd.common.session.ConnectionService.class)
                                .registerChannel(idle);
                        idle.open().verify(Duration.ofSeconds(30));
                        opened++;
                    } catch (java.io.IOException | RuntimeException e) {
                        refused++;
                        if (!session.isOpen()) {
                            break; // MINA disconnects a connection that goes over the channel cap
                        }
                    }
                }
                // MINA checks its cap (32) as a channel registers, so the 33rd is the last to open
                assertThat(opened).isLessThanOrEqualTo(33);
                assertThat(refused).isPositive();
            }
        }
        Cli.Result alive = harness.sshWithToken(harness.token("alice-alive", "sre"), "web-1", "", "echo alive");
        assertThat(alive.stdout()).isEqualTo("alive\n");
        stalled.close();
        garbage.close();
    }

    private static String replay(String session, String... options) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new SluiceCli());
        cli.setOut(new PrintWriter(out));
        List<String> args = new ArrayList<>(List.of("replay", "--config", harness.dir().resolve("sluice.yaml")
                .toString(), session));
        args.addAll(List.of(options));
        assertThat(cli.execute(args.toArray(String[]::new))).isZero();
        return out.toString();
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static void keys(String socket, String line) {
        Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "tmux", "-L", socket, "send-keys", "-t", "shell", line,
                "Enter");
    }

    private static String pane(String socket) {
        return Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "tmux", "-L", socket, "capture-pane", "-p", "-t",
                "shell").stdout();
    }
}
