package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.AbstractClientChannel;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.io.output.NoCloseOutputStream;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.Secret;
import dev.sluice.core.config.AllowRule;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.SshTarget;
import dev.sluice.core.spi.UpstreamLogin;
import dev.sluice.testing.SshServer;

/**
 * A relay's half of SSH ({@link RelayLogin}, {@link RelayChannelService}) against a real OpenSSH sshd, with the
 * gateway's side played by MINA's client over the returned streams (no gRPC here: the tunnel is RelaySshE2ETest's).
 * An exec with its exit status and stdin; then, as a compromised gateway would try, every channel type and request the
 * service does not list: an X11 and an agent channel, remote forwarding, a subsystem other than sftp, a forward to a
 * destination the target's config does not name — all refused, the host checked afterwards where it could tell.
 */
class RelayChannelServiceTest {
    static SshServer sshd;
    static SshClient gateway;
    static SshTarget target;
    static final RelayLogin LOGIN = new RelayLogin();

    @BeforeAll
    static void start() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair("ssh-ed25519", 256);
        sshd = SshServer.start(SshServer.Options.defaults()
                .withAuthorizedKey(PublicKeyEntry.toString(key.getPublic()) + " relay"));
        ByteArrayOutputStream pem = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "relay", null, pem);
        target = new SshTarget(sshd.user(), List.of(), new SshTarget.Credential.PrivateKey(Secret.of(pem.toString(
                StandardCharsets.UTF_8))), sshd.hostKeyLine(), List.of("127.0.0.1:" + sshd.port()));
        gateway = SshClient.setUpDefaultClient();
        gateway.setIoServiceFactoryFactory(new DialedIoServiceFactory());
        gateway.setServerKeyVerifier((session, address, presented) -> true);
        gateway.start();
    }

    @AfterAll
    static void stop() {
        gateway.stop();
        sshd.close();
    }

    /** What the gateway gets from a relay: an SSH session on the relay's channel service. */
    private static ClientSession relayed(SshTarget pinned) throws Exception {
        Socket toHost = new Socket();
        toHost.connect(new InetSocketAddress("127.0.0.1", sshd.port()));
        ConnectionConfig connection = new ConnectionConfig("web-1", new HostPort("127.0.0.1", sshd.port()), pinned,
                AllowRule.nobody(), Map.of(), "deny");
        UpstreamLogin.LoggedIn tunnel = LOGIN.login(connection, toHost, Map.of());
        assertThat(tunnel.greeting()).isEmpty();
        ClientSession result = gateway.connect("sluice", InetSocketAddress.createUnresolved("relay", 22),
                DialedIoServiceFactory.context(new StreamSocket(tunnel.input(), tunnel.output())), null)
                .verify(Duration.ofSeconds(15)).getSession();
        result.addPasswordIdentity("relay-tunnel");
        result.auth().verify(Duration.ofSeconds(15));
        return result;
    }

    @Test
    void anExecRunsOnTheHostWithItsStdinAndExitStatus() throws Exception {
        try (ClientSession session = relayed(target);
             ChannelExec exec = session.createExecChannel("whoami; tr a-z A-Z; echo err >&2; exit 4")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            exec.setIn(new java.io.ByteArrayInputStream("piped\n".getBytes(StandardCharsets.UTF_8)));
            exec.setOut(new NoCloseOutputStream(out));
            exec.setErr(new NoCloseOutputStream(err));
            exec.open().verify(Duration.ofSeconds(15));
            exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(30));

            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(sshd.user() + "\nPIPED\n");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
            assertThat(exec.getExitStatus()).isEqualTo(4);
        }
    }

    @Test
    void aHostKeyThatIsNotThePinRefusesWithWordsTheGatewayRecognises() throws Exception {
        String other = PublicKeyEntry.toString(KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic());
        SshTarget wrong = new SshTarget(target.user(), List.of(), target.credential(), other, List.of());

        assertThatThrownBy(() -> relayed(wrong)).hasMessageContaining(HostKeyPin.MISMATCH)
                .hasMessageContaining(HostKeyPin.parse(sshd.hostKeyLine()).fingerprint());
    }

    @Test
    void channelTypesAndRequestsTheServiceDoesNotListAreRefused() throws Exception {
        try (ClientSession session = relayed(target)) {
            for (String type : List.of("x11", "auth-agent@openssh.com", "forwarded-tcpip", "session2")) {
                Raw raw = new Raw(type);
                session.getService(ConnectionService.class).registerChannel(raw);
                assertThatThrownBy(() -> raw.open().verify(Duration.ofSeconds(15))).as(type)
                        .hasMessageContaining("Unsupported channel type");
            }
            assertThatThrownBy(() -> session.startRemotePortForwarding(new SshdSocketAddress("127.0.0.1", 0),
                    new SshdSocketAddress("127.0.0.1", 9))).isInstanceOf(Exception.class);

            try (ChannelSubsystem other = session.createSubsystemChannel("netconf")) {
                other.open().verify(Duration.ofSeconds(15));
                other.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(30));
                assertThat(other.getExitStatus()).isEqualTo(RelayCommand.EXIT_REFUSED);
            }

            var unnamed = session.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 0),
                    new SshdSocketAddress("127.0.0.1", 22));
            // refused by the relay (administratively prohibited), not a connection the host failed to make
            assertThatThrownBy(() -> unnamed.open().verify(Duration.ofSeconds(15))).cause()
                    .isInstanceOfSatisfying(SshChannelOpenException.class, e -> assertThat(e.getReasonCode())
                            .isEqualTo(SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED));

            var named = session.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 0),
                    new SshdSocketAddress("127.0.0.1", sshd.port()));
            named.setStreaming(org.apache.sshd.client.channel.ClientChannel.Streaming.Sync);
            named.open().verify(Duration.ofSeconds(15));
            byte[] banner = new byte[8];
            assertThat(named.getInvertedOut().readNBytes(banner, 0, 8)).isEqualTo(8);
            assertThat(new String(banner, StandardCharsets.US_ASCII)).isEqualTo("SSH-2.0-");
            named.close(true);
        }
        // the host never heard of the refused subsystem (sshd logs each subsystem request it gets)
        assertThat(sshd.log()).doesNotContain("subsystem request for netconf");
    }

    /** A channel of any type, as a hostile gateway could open. */
    private static final class Raw extends AbstractClientChannel {
        Raw(String type) {
            super(type);
        }

        @Override
        protected void doOpen() {
        }

        @Override
        protected void doWriteData(byte[] data, int off, long len) {
        }

        @Override
        protected void doWriteExtendedData(byte[] data, int off, long len) {
        }
    }

    /** The relay's tunnel streams shaped as the socket the gateway's client runs on. */
    private static final class StreamSocket extends Socket {
        private final InputStream in;
        private final OutputStream out;

        StreamSocket(InputStream in, OutputStream out) throws java.net.SocketException {
            super((SocketImpl) null);
            this.in = in;
            this.out = out;
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return InetSocketAddress.createUnresolved("relay", 0);
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            return InetSocketAddress.createUnresolved("gateway", 0);
        }

        @Override
        public void shutdownOutput() throws java.io.IOException {
            out.close();
        }

        @Override
        public void close() throws java.io.IOException {
            in.close();
            out.close();
        }
    }
}
