package dev.sluice.ssh;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.keyboard.UserAuthKeyboardInteractiveFactory;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.forward.AgentForwardingFilter;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.apache.sshd.server.forward.X11ForwardingFilter;

import dev.sluice.core.config.SshListenerConfig;
import dev.sluice.core.spi.ProtocolContext;
import dev.sluice.core.spi.ProtocolListener;

/**
 * Sluice's SSH listener ({@code listen.ssh}): a MINA {@link SshServer} with Sluice's host key (generated on first
 * start into {@code DATA_DIR/ssh/host_ed25519}, 0600, and kept), caller authentication ({@link CallerAuth}), session
 * channels relayed to the target ({@link ExecChannel}, {@link ShellChannel}, {@link SftpChannel}), local port
 * forwarding judged and opened from the target ({@link ForwardChannel}), and agent forwarding, X11 and remote
 * forwarding refused. The ciphers offered are {@code ssh.ciphers} (default AES-GCM only, {@link SshCiphers}). Bounds: 30 s to authenticate (a client that never finishes key exchange is cut off then), 10
 * authentication attempts, {@value CallerSession#MAX_CHANNELS} channels per connection, MINA's packet and window
 * limits.
 */
final class SshListener implements ProtocolListener {
    static final Duration AUTH_TIMEOUT = Duration.ofSeconds(30);
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);

    private final SshServer server;
    private final Upstreams upstreams;

    private SshListener(SshServer server, Upstreams upstreams) {
        this.server = server;
        this.upstreams = upstreams;
    }

    static SshListener start(ProtocolContext context) throws IOException {
        Path dir = context.dataDir().resolve("ssh");
        SluiceCa ca = SluiceCa.load(context.dataDir());
        Upstreams upstreams = new Upstreams(context.dialer(), ca, context.clock());
        Recordings recordings = new Recordings(SshMasking.of(context.state()));
        SshServer server = SshServer.setUpDefaultServer();
        try {
            server.setHost(context.address().host());
            server.setPort(context.address().port());
            server.setCipherFactories(SshCiphers.listener(
                    SshListenerConfig.of(context.state().get().config()).ciphers()));
            server.setKeyPairProvider(KeyPairProvider.wrap(PrivateKeys.loadOrGenerate(dir.resolve("host_ed25519"),
                    "sluice-host")));
            CallerAuth auth = new CallerAuth(context, upstreams, recordings);
            server.setPasswordAuthenticator(auth);
            server.setKeyboardInteractiveAuthenticator(auth);
            server.setPublickeyAuthenticator(auth);
            server.addSessionListener(auth);
            server.setUserAuthFactories(List.of(new CertificateAuditingAuth(context.clock(), auth::refusedCertificate),
                    UserAuthPasswordFactory.INSTANCE, UserAuthKeyboardInteractiveFactory.INSTANCE));
            server.setGSSAuthenticator(null);
            server.setHostBasedAuthenticator(null);
            server.setChannelFactories(List.of(new SessionChannel.Factory(), new ForwardChannel.Factory()));
            SshMasking masking = new SshMasking(context.state());
            server.setCommandFactory((channel, command) -> new ExecChannel(command, recordings, masking));
            server.setShellFactory(channel -> new ShellChannel(recordings, masking));
            server.setSubsystemFactories(SessionChannel.sftp(() -> new SftpChannel(masking)));
            server.setForwardingFilter(refusals());
            // small packets (SFTP acks, keystrokes) go out at once: with Nagle they wait for the peer's delayed ACK
            CoreModuleProperties.TCP_NODELAY.set(server, true);
            CoreModuleProperties.AUTH_TIMEOUT.set(server, AUTH_TIMEOUT);
            CoreModuleProperties.IDLE_TIMEOUT.set(server, IDLE_TIMEOUT);
            CoreModuleProperties.MAX_AUTH_REQUESTS.set(server, 10);
            CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(server, CallerSession.MAX_CHANNELS);
            CoreModuleProperties.SERVER_IDENTIFICATION.set(server, "Sluice");
            server.start();
            return new SshListener(server, upstreams);
        } catch (IOException | RuntimeException e) {
            server.stop(true);
            upstreams.close();
            throw e;
        }
    }

    /**
     * Agent forwarding, X11 and remote (listening) forwarding are refused on the spot; the caller is told on stderr
     * at its next command, and the refusal is audited. Local forwarding ({@code direct-tcpip}) is judged by
     * {@link ForwardChannel}, not here.
     */
    private static ForwardingFilter refusals() {
        AgentForwardingFilter agent = (session, type) -> refused(session, "agent forwarding");
        X11ForwardingFilter x11 = (session, type) -> refused(session, "X11 forwarding");
        TcpForwardingFilter tcp = new TcpForwardingFilter() {
            @Override
            public boolean canListen(SshdSocketAddress address, Session session) {
                return refused(session, "remote port forwarding (" + address + ")");
            }

            @Override
            public boolean canConnect(Type type, SshdSocketAddress address, Session session) {
                return false; // never used: ForwardChannel opens direct-tcpip from the target
            }
        };
        return ForwardingFilter.asForwardingFilter(agent, x11, tcp);
    }

    private static boolean refused(Session session, String what) {
        CallerSession.of(session).ifPresent(c -> c.refusedRequest(what));
        return false;
    }

    @Override
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        try {
            server.stop(true);
        } catch (IOException e) {
            // stopping anyway
        }
        upstreams.close();
    }
}
