package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.relay.RelayStatus;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;
import dev.sluice.testing.OidcProvider;
import dev.sluice.testing.SshServer;

/**
 * An {@code ssh} connection {@code via} a relay, end to end on real network separation ({@link RelayNetwork}): a real
 * OpenSSH sshd listens on the loopback of the relay's namespace, which the gateway cannot route to, and trusts a key
 * made by a shell into a file only the relay's config names. The relay does the key exchange, pins the host key and
 * logs in; the gateway terminates the real {@code ssh}/{@code scp} clients, judges each channel and asks the relay
 * for it. Exec with exit status and piped stdin, a shell with a terminal, a denied exec (126, the host's file unchanged), sftp and legacy scp
 * uploads landing on the host, a host key that is not the relay's pin refused and audited, a forward to a destination
 * the relay's config does not name refused by the relay (a named one carried), the key nowhere on the gateway's side,
 * and the relay's death mid-command.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelaySshE2ETest {
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static RelayNetwork network;
    private static SshServer sshd;
    private static Gateway gateway;
    private static OidcProvider oidc;
    private static Path dir;
    private static Path relayConfig;
    private static Process relay;

    @BeforeAll
    static void start() throws Exception {
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
        network = RelayNetwork.create();
        dir = network.dir();
        // the relay's key to the host and another host key (the wrong pin): made by a shell; this JVM reads only
        // the public halves until the last check
        Cli.Result made = Cli.run(Map.of(), WAIT, "sh", "-c", "cd '" + dir + "' && umask 077 && ssh-keygen -q -t "
                + "ed25519 -N '' -C relay-key -f relay-key && ssh-keygen -q -t ed25519 -N '' -C other -f other-host");
        assertThat(made.exitCode()).as(made.stderr()).isZero();
        sshd = SshServer.start(SshServer.Options.defaults()
                .withAuthorizedKey(Files.readString(dir.resolve("relay-key.pub")).strip())
                .withLauncher(network.inNamespace()));
        oidc = SharedParts.oidc();
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, """
                listen:
                  postgres: "off"
                  http: 127.0.0.1:0
                  ssh: 127.0.0.1:0
                data-dir: ./gateway-data
                identity:
                  oidc:
                    - issuer: %s
                      audience: sluice
                      groups-claim: groups
                relays:
                  listen: %s:0
                  heartbeat: 500ms
                  open-timeout: 20s
                connections:
                  - name: web-1
                    type: ssh
                    via: dc-ssh
                    allow: {groups: [agents, sre]}
                  - name: web-2
                    type: ssh
                    via: dc-ssh
                    allow: {groups: [agents, sre]}
                policies:
                  - name: agents-never-destroy
                    connections: [web-1]
                    groups: [agents]
                    deny:
                      commands: [dangerous]
                """.formatted(oidc.issuer(SshHarness.ISSUER_ID), network.gatewayHost()));
        gateway = Gateway.start(config, Clock.systemUTC());
        String token = InProcessCli.run("relay", "token", "--config", config.toString(), "--group", "dc-ssh")
                .strip();
        relayConfig = dir.resolve("ssh-relay.yaml");
        Files.writeString(relayConfig, """
                gateway: https://%s:%d
                group: dc-ssh
                data-dir: ./ssh-relay-data
                heartbeat: 500ms
                targets:
                  - connection: web-1
                    type: ssh
                    address: %s
                    user: %s
                    private-key: ${file:%s}
                    host-key: "%s"
                    forwards: ["127.0.0.1:%d"]
                  - connection: web-2
                    type: ssh
                    address: %s
                    user: %s
                    private-key: ${file:%s}
                    host-key: "%s"
                """.formatted(network.gatewayHost(), gateway.relayPort(), sshd.address(), sshd.user(),
                dir.resolve("relay-key"), sshd.hostKeyLine(), sshd.port(), sshd.address(), sshd.user(),
                dir.resolve("relay-key"),
                Files.readString(dir.resolve("other-host.pub")).strip()));
        relay = network.startRelay(relayConfig, Optional.of(token));
        try {
            Eventually.await(Duration.ofSeconds(60), () -> assertThat(gateway.relays())
                    .filteredOn(RelayStatus::healthy).hasSize(1));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nrelay:\n" + network.relayLog(relayConfig), e);
        }
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
        if (gateway != null) {
            gateway.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        if (network != null) {
            network.close();
        }
    }

    /** A token of group {@code sre} (no policy) or, for subjects starting {@code agent}, {@code agents}. */
    private static String token(String subject) {
        return oidc.userToken(SshHarness.ISSUER_ID, subject, SshHarness.AUDIENCE,
                List.of(subject.startsWith("agent") ? "agents" : "sre"), Duration.ofMinutes(30));
    }

    private static List<String> options(String portFlag) {
        return List.of("-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=10", "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-o",
                "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", portFlag,
                String.valueOf(gateway.port("ssh")));
    }

    private static Cli.Result ssh(String subject, String login, String stdin, String... remote) {
        return ssh(subject, List.of(), login, stdin, remote);
    }

    private static Cli.Result ssh(String subject, List<String> extra, String login, String stdin, String... remote) {
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "ssh"));
        command.addAll(options("-p"));
        command.addAll(extra);
        command.add(login + "@127.0.0.1");
        command.addAll(List.of(remote));
        return Cli.runWithInput(stdin, Map.of("SSHPASS", token(subject)), Duration.ofSeconds(60),
                command.toArray(String[]::new));
    }

    private static List<AuditRecord> audit(String subject) {
        gateway.audit().flush();
        return gateway.audit().query(AuditQuery.all().withSubject(subject));
    }

    private static Path onHost(String name, String content) throws IOException {
        Path result = sshd.home().resolve(name);
        Files.writeString(result, content);
        Cli.runOrFail(Map.of(), WAIT, "chown", sshd.user(), result.toString());
        return result;
    }

    @Test
    @Order(1)
    void anExecThroughTheRelayReturnsItsOutputExitStatusAndReadsPipedStdin() throws Exception {
        if (network.isolated()) {
            // the gateway's namespace has no route to the host: only the relay reaches it
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", sshd.port()), 2_000);
                throw new AssertionError("the gateway's namespace reached the host's sshd");
            } catch (IOException e) {
                // refused: sshd is in the relay's namespace only
            }
        }

        Cli.Result result = ssh("alice", "web-1", "piped stdin\n", "whoami; tr a-z A-Z; echo oops >&2; exit 3");

        assertThat(result.exitCode()).as(result.stderr() + network.relayLog(relayConfig)).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo(sshd.user() + "\nPIPED STDIN\n");
        assertThat(result.stderr()).contains("oops");
        Eventually.await(WAIT, () -> assertThat(audit("alice")).filteredOn(r -> r.kind().equals("command.result"))
                .anySatisfy(r -> assertThat(r.details().toString()).contains("exit 3")));
        assertThat(sshd.log()).contains("Accepted publickey for " + sshd.user());
    }

    @Test
    @Order(1)
    void aShellWithATerminalRunsOnTheHostThroughTheRelay() {
        Cli.Result result = ssh("alice-shell", List.of("-tt"), "web-1", "tty; echo shell-$((6*7))\nexit 5\n");

        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(5);
        assertThat(result.stdout()).contains("/dev/pts/").contains("shell-42");
        Eventually.await(WAIT, () -> assertThat(audit("alice-shell")).filteredOn(r -> r.kind().equals("command"))
                .anySatisfy(r -> assertThat(r.statement()).isEqualTo("shell")));
    }

    @Test
    @Order(2)
    void aDeniedExecNeverReachesTheHost() throws Exception {
        Path precious = onHost("precious", "precious");

        Cli.Result result = ssh("agent-deny", "web-1", "", "rm -f " + precious);

        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(126);
        assertThat(result.stderr()).contains("agents-never-destroy");
        assertThat(precious).hasContent("precious");
        assertThat(audit("agent-deny")).filteredOn(r -> r.kind().equals("command"))
                .singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo("deny"));
    }

    @Test
    @Order(3)
    void sftpAndLegacyScpUploadsLandOnTheHost() throws Exception {
        Path local = dir.resolve("upload.bin");
        byte[] content = new byte[300_000];
        new java.util.Random(7).nextBytes(content);
        Files.write(local, content);
        for (boolean legacy : List.of(false, true)) {
            String name = legacy ? "legacy.bin" : "sftp.bin";
            List<String> command = new ArrayList<>(List.of("sshpass", "-e", "scp", "-q"));
            if (legacy) {
                command.add("-O");
            }
            command.addAll(options("-P"));
            command.addAll(List.of(local.toString(), "web-1@127.0.0.1:" + name));

            Cli.Result result = Cli.run(Map.of("SSHPASS", token("agent-files")), Duration.ofSeconds(60),
                    command.toArray(String[]::new));

            assertThat(result.exitCode()).as(name + ": " + result.stderr()).isZero();
            assertThat(sshd.home().resolve(name)).as(name).hasBinaryContent(content);
        }
        assertThat(audit("agent-files")).filteredOn(r -> r.kind().equals("command"))
                .extracting(AuditRecord::statement).anySatisfy(s -> assertThat(s).contains("sftp.bin"))
                .anySatisfy(s -> assertThat(s).contains("legacy.bin"));
    }

    @Test
    @Order(4)
    void aHostKeyThatIsNotTheRelaysPinIsRefusedAndAudited() {
        Cli.Result result = ssh("agent-pin", "web-2", "", "touch", "should-not-exist");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("is not the pinned");
        assertThat(sshd.home().resolve("should-not-exist")).doesNotExist();
        Eventually.await(WAIT, () -> assertThat(audit("agent-pin")).filteredOn(r -> r.kind().equals("session.end"))
                .singleElement().satisfies(r -> assertThat(String.valueOf(r.details().get("reason")))
                        .contains("is not the pinned")));
    }

    @Test
    @Order(5)
    void aForwardGoesOnlyToADestinationTheRelaysConfigNames() throws Exception {
        // the gateway's policy allows both; the relay's config names only the host's own sshd port
        Cli.Result named = ssh("agent-forward", List.of("-W", "127.0.0.1:" + sshd.port()), "web-1", "");
        Cli.Result unnamed = ssh("agent-forward", List.of("-W", "127.0.0.1:1"), "web-1", "");

        assertThat(named.stdout()).as(named.stderr()).startsWith("SSH-2.0-OpenSSH");
        assertThat(unnamed.exitCode()).isNotZero();
        assertThat(unnamed.stdout()).isEmpty();
        assertThat(network.relayLog(relayConfig)).contains("refused direct-tcpip to 127.0.0.1:1: not in the target's "
                + "forwards");
        assertThat(audit("agent-forward")).filteredOn(r -> r.kind().equals("command"))
                .extracting(AuditRecord::statement).contains("127.0.0.1:" + sshd.port(), "127.0.0.1:1");
    }

    @Test
    @Order(6)
    void theRelaysKeyIsNowhereOnTheGatewaysSide() throws Exception {
        List<ILoggingEvent> events = CapturedLogs.events(LOGS);
        String logs = CapturedLogs.text(events);
        assertThat(events).as("the gateway's logs were captured").isNotEmpty();

        // from here on this JVM knows the key
        String key = Files.readString(dir.resolve("relay-key"));
        String body = key.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        assertThat(body).hasSizeGreaterThan(100);
        String probe = body.substring(20, 80);
        assertThat(Files.readString(dir.resolve("sluice.yaml"))).doesNotContain(probe);
        try (Stream<Path> files = Files.walk(dir.resolve("gateway-data"))) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).as("the gateway's data dir holds its audit trail").isNotEmpty();
            for (Path file : all) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString())
                        .doesNotContain(probe);
            }
        }
        assertThat(logs).doesNotContain(probe);
        assertThat(Files.readString(relayConfig)).as("the relay's config references the key file")
                .doesNotContain(probe);
    }

    @Test
    @Order(7)
    void theRelaysDeathEndsACommandInFlightWithTheReason() throws Exception {
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "ssh"));
        command.addAll(options("-p"));
        command.addAll(List.of("web-1@127.0.0.1", "echo started; sleep 60"));
        // group sre: the line is a shell line, which the agents' policy would refuse as opaque
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("long.out").toFile())
                .redirectError(dir.resolve("long.err").toFile());
        builder.environment().put("SSHPASS", token("long-runner"));
        Process client = builder.start();
        try {
            Eventually.await(WAIT, () -> assertThat(dir.resolve("long.out")).content().contains("started"));

            relay.destroyForcibly();

            assertThat(client.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(client.exitValue()).isNotZero();
            assertThat(Files.readString(dir.resolve("long.err"))).contains("relay").contains("lost");
            Eventually.await(WAIT, () -> assertThat(audit("long-runner")).filteredOn(r -> r.kind()
                    .equals("session.end")).singleElement().satisfies(r -> assertThat(String.valueOf(r.details()
                    .get("reason"))).contains("relay").contains("(group dc-ssh) lost")));
        } finally {
            client.destroyForcibly();
        }
    }
}
