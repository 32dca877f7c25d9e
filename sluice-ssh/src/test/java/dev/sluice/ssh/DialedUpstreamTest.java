package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.io.output.NoCloseOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testing.SshServer;

/**
 * MINA's client over a socket Sluice connected itself ({@link DialedIoServiceFactory}), to a real OpenSSH sshd: exec
 * with exit status, the host key pin, a stored key and a certificate from Sluice's own CA.
 */
class DialedUpstreamTest {
    /** A bound, not a wait: key exchange on a loaded 2-core machine has taken over 10 s. */
    private static final Duration BOUND = Duration.ofSeconds(60);
    static KeyPair key;
    static SluiceCa ca;
    static SshServer sshd;
    static SshClient client;
    @TempDir
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        key = KeyUtils.generateKeyPair("ssh-ed25519", 256);
        ca = SluiceCa.load(data);
        sshd = SshServer.start(SshServer.Options.defaults()
                .withAuthorizedKey(PublicKeyEntry.toString(key.getPublic()) + " test")
                .withTrustedUserCaKey(ca.publicKeyLine()));
        client = SshClient.setUpDefaultClient();
        client.setIoServiceFactoryFactory(new DialedIoServiceFactory());
        client.setServerKeyVerifier((session, address, presented) -> HostKeyPin.parse(sshd.hostKeyLine())
                .matches(presented));
        client.start();
    }

    @AfterAll
    static void stop() throws Exception {
        client.stop();
        sshd.close();
    }

    private ClientSession connect(KeyPair identity) throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", sshd.port()));
        ClientSession result = client.connect(sshd.user(), InetSocketAddress.createUnresolved("127.0.0.1",
                sshd.port()), DialedIoServiceFactory.context(socket), null).verify(BOUND)
                .getSession();
        result.addPublicKeyIdentity(identity);
        result.auth().verify(BOUND);
        return result;
    }

    private static String run(ClientSession session, String command, int expectedStatus) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ChannelExec exec = session.createExecChannel(command)) {
            exec.setOut(new NoCloseOutputStream(out));
            exec.setErr(new NoCloseOutputStream(out));
            exec.open().verify(BOUND);
            exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), BOUND);
            assertThat(exec.getExitStatus()).isEqualTo(expectedStatus);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anExecRunsOverADialedSocketWithItsExitStatus() throws Exception {
        try (ClientSession session = connect(key)) {
            assertThat(run(session, "whoami; echo dialed; exit 3", 3)).isEqualTo(sshd.user() + "\ndialed\n");
        }
    }

    @Test
    void aLargeOutputArrivesWhole() throws Exception {
        try (ClientSession session = connect(key)) {
            String out = run(session, "head -c 3000000 /dev/zero | tr '\\0' x", 0);
            assertThat(out).hasSize(3_000_000);
        }
    }

    @Test
    void aPerSessionCertificateFromSluicesCaLogsIn() throws Exception {
        KeyPair certified = ca.issue(sshd.user(), "sluice-session-test", Instant.now());
        try (ClientSession session = connect(certified)) {
            assertThat(run(session, "echo certified", 0)).isEqualTo("certified\n");
        }
        assertThat(sshd.log()).contains("sluice-session-test");
    }

    @Test
    void aCertificateForAnotherLoginIsRefusedByTheHost() {
        KeyPair other = ca.issue("someone-else", "sluice-session-other", Instant.now());
        assertThatThrownBy(() -> connect(other).close()).hasMessageContaining("No more authentication methods");
    }

    @Test
    void theCaKeyIsKeptPrivateAndReused() throws Exception {
        Path file = data.resolve("ssh").resolve("user-ca");
        assertThat(Files.getPosixFilePermissions(file)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        assertThat(SluiceCa.load(data).publicKeyLine()).isEqualTo(ca.publicKeyLine());
    }

    @Test
    void anotherHostKeyIsRefused() throws Exception {
        HostKeyPin wrong = HostKeyPin.of(KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic());
        HostKeyPin.Verifier verifier = wrong.verifier();
        SshClient pinned = SshClient.setUpDefaultClient();
        pinned.setIoServiceFactoryFactory(new DialedIoServiceFactory());
        pinned.setServerKeyVerifier(verifier);
        pinned.start();
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", sshd.port()));
            assertThatThrownBy(() -> {
                try (ClientSession session = pinned.connect(sshd.user(), InetSocketAddress.createUnresolved(
                        "127.0.0.1", sshd.port()), DialedIoServiceFactory.context(socket), null)
                        .verify(BOUND).getSession()) {
                    session.addPublicKeyIdentity(key);
                    session.auth().verify(BOUND);
                }
            }).isInstanceOf(Exception.class);
            assertThat(verifier.mismatch()).contains(HostKeyPin.parse(sshd.hostKeyLine()).fingerprint());
        } finally {
            pinned.stop();
        }
    }

    @Test
    void withoutADialedSocketNothingConnects() {
        assertThatThrownBy(() -> client.connect(sshd.user(), InetSocketAddress.createUnresolved("127.0.0.1",
                sshd.port()), AttributeRepository.ofAttributesMap(Map.of()), null).verify(Duration.ofSeconds(5)))
                .hasMessageContaining("no dialed socket");
    }

    @Test
    void pinsParseAsKeyLinesKnownHostsLinesAndFingerprints() {
        String line = sshd.hostKeyLine();
        HostKeyPin fromKey = HostKeyPin.parse(line);
        assertThat(HostKeyPin.parse("[127.0.0.1]:" + sshd.port() + " " + line)).isEqualTo(fromKey);
        assertThat(HostKeyPin.parse(fromKey.fingerprint())).isEqualTo(fromKey);
        assertThatThrownBy(() -> HostKeyPin.parse("SHA256:short")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostKeyPin.parse("ssh-ed25519 notbase64!")).isInstanceOf(
                IllegalArgumentException.class);
        assertThat(List.of(Optional.of(1))).hasSize(1);
    }
}
