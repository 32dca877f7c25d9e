package dev.sluice.ssh;

import java.io.IOException;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.Factory;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoConnector;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoServiceEventListener;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.IoServiceFactoryFactory;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.password.AcceptAllPasswordAuthenticator;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;

import dev.sluice.core.spi.UpstreamLogin;

/**
 * A relay's channel service: for each gateway tunnel of an {@code ssh} target, an SSH server session (MINA, never
 * listening: its byte stream is the tunnel, through two {@link BytePipe}s) on which the gateway opens the channels it
 * judged, each opened by the relay on its own authenticated session to the target ({@link RelayedChannel}). The SSH
 * connection protocol (RFC 4254) is the tunnel's channel protocol: channel data, extended data (stderr), EOF, exit
 * status or signal, window changes and per-channel windows, spoken by MINA on both sides.
 *
 * <p>What it accepts is a list: {@code session} channels (agent forwarding and X11 refused: no forwarding filter
 * allows them) with {@code exec}, {@code shell}, {@code pty-req}, {@code window-change}, {@code env}, {@code signal}
 * and the {@code sftp} subsystem (any other subsystem refused), and {@code direct-tcpip} to the destinations the
 * target's {@code forwards} names ({@link RelayedForward}); no other channel type (no {@code x11}, no
 * {@code auth-agent}, no {@code forwarded-tcpip}) and no remote forwarding. Its host key is made at start and never stored:
 * the gateway trusts the tunnel's mutual TLS, not this key. Thread-safe.
 */
final class RelayChannelService {
    /** The relay's session to the target, on the IoSession of each service session. */
    static final AttributeRepository.AttributeKey<ClientSession> UPSTREAM = new AttributeRepository.AttributeKey<>();
    /** The {@code host:port} destinations the target's config lets {@code direct-tcpip} reach. */
    static final AttributeRepository.AttributeKey<List<String>> FORWARDS = new AttributeRepository.AttributeKey<>();

    private final SshServer server;
    private final Acceptor acceptor;

    private RelayChannelService(SshServer server, Acceptor acceptor) {
        this.server = server;
        this.acceptor = acceptor;
    }

    static RelayChannelService start() throws IOException {
        Services services = new Services();
        SshServer server = SshServer.setUpDefaultServer();
        server.setIoServiceFactoryFactory(services);
        server.setCipherFactories(SshCiphers.PREFERRED);
        server.setKeyExchangeFactories(SshCiphers.withoutSlowKex(server.getKeyExchangeFactories()));
        try {
            server.setKeyPairProvider(KeyPairProvider.wrap(KeyUtils.generateKeyPair("ssh-ed25519", 256)));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make the relay's channel service key", e);
        }
        // the tunnel is mutual TLS to the gateway that asked for it, and reaches this service through the relay's
        // own pipes only: the SSH password the gateway's client offers means nothing and any is accepted
        server.setUserAuthFactories(List.of(UserAuthPasswordFactory.INSTANCE));
        server.setPasswordAuthenticator(AcceptAllPasswordAuthenticator.INSTANCE);
        server.setPublickeyAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);
        // fail closed: session channels only; agent, X11 and remote forwarding refused by the filter
        server.setChannelFactories(List.of(new SessionChannel.Factory(), new RelayedForward.Factory()));
        server.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
        server.setCommandFactory((channel, command) -> new RelayedChannel(RelayedChannel.Kind.EXEC, command));
        server.setShellFactory(channel -> new RelayedChannel(RelayedChannel.Kind.SHELL, ""));
        server.setSubsystemFactories(SessionChannel.sftp(() -> new RelayedChannel(RelayedChannel.Kind.SFTP, "sftp")));
        server.setPort(22); // never bound (the acceptor does not listen); a fixed port keeps MINA from asking
        CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(server, CallerSession.MAX_CHANNELS);
        CoreModuleProperties.SERVER_IDENTIFICATION.set(server, "SluiceRelay");
        server.start();
        return new RelayChannelService(server, services.acceptor);
    }

    /**
     * A service session for one gateway tunnel over {@code upstream}: the returned stream carries SSH to the gateway;
     * closing it closes the service session and {@code upstream}, and either one's end closes the other.
     */
    UpstreamLogin.LoggedIn serve(ClientSession upstream, List<String> forwards) throws IOException {
        BytePipe fromGateway = new BytePipe();
        BytePipe toGateway = new BytePipe();
        PipeSocket socket = new PipeSocket(fromGateway, toGateway);
        SocketIoSession io = new SocketIoSession(acceptor, acceptor.handler(), socket, acceptor.sessions::remove);
        io.setAttribute(UPSTREAM, upstream);
        io.setAttribute(FORWARDS, List.copyOf(forwards));
        try {
            acceptor.handler().sessionCreated(io);
        } catch (Exception e) {
            io.close(true);
            throw new IOException("cannot start the relay's channel service", e);
        }
        acceptor.sessions.put(io.getId(), io);
        io.addCloseFutureListener(f -> upstream.close(true));
        upstream.addCloseFutureListener(f -> io.close(false));
        io.startReading();
        return new UpstreamLogin.LoggedIn(new byte[0], toGateway.input(), fromGateway.output(), () -> {
            io.close(true);
            upstream.close(true);
        });
    }

    /** The relay's session to the target that a channel of a service session uses. */
    static java.util.Optional<ClientSession> upstream(Session session) {
        return java.util.Optional.ofNullable(session.getIoSession()).map(io -> io.getAttribute(UPSTREAM))
                .filter(ClientSession.class::isInstance).map(ClientSession.class::cast);
    }

    /** The destinations a service session's {@code direct-tcpip} channels may reach (none when unknown). */
    static List<String> forwards(Session session) {
        Object result = session.getIoSession() == null ? null : session.getIoSession().getAttribute(FORWARDS);
        return result instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    void close() {
        try {
            server.stop(true);
        } catch (IOException e) {
            // stopping anyway
        }
    }

    private static final class Services implements IoServiceFactoryFactory {
        private Acceptor acceptor;

        @Override
        public IoServiceFactory create(FactoryManager manager) {
            return new IoServiceFactoryImpl(this);
        }

        @Override
        public void setExecutorServiceFactory(Factory<CloseableExecutorService> factory) {
            // no pools: each service session reads and writes on its own virtual threads
        }
    }

    private static final class IoServiceFactoryImpl extends AbstractCloseable implements IoServiceFactory {
        private final Services services;
        private IoServiceEventListener listener;

        IoServiceFactoryImpl(Services services) {
            this.services = services;
        }

        @Override
        public IoConnector createConnector(IoHandler handler) {
            throw new UnsupportedOperationException("the relay's channel service never connects");
        }

        @Override
        public IoAcceptor createAcceptor(IoHandler handler) {
            services.acceptor = new Acceptor(handler);
            return services.acceptor;
        }

        @Override
        public IoServiceEventListener getIoServiceEventListener() {
            return listener;
        }

        @Override
        public void setIoServiceEventListener(IoServiceEventListener listener) {
            this.listener = listener;
        }
    }

    /** Accepts nothing from the network: sessions come from {@link #serve}; {@code bind} is a no-op. */
    private static final class Acceptor extends AbstractCloseable implements IoAcceptor {
        private final IoHandler handler;
        final Map<Long, IoSession> sessions = new ConcurrentHashMap<>();
        private IoServiceEventListener listener;

        Acceptor(IoHandler handler) {
            this.handler = handler;
        }

        IoHandler handler() {
            return handler;
        }

        @Override
        public void bind(Collection<? extends SocketAddress> addresses) {
            // never listens
        }

        @Override
        public void bind(SocketAddress address) {
            // never listens
        }

        @Override
        public void unbind(Collection<? extends SocketAddress> addresses) {
        }

        @Override
        public void unbind(SocketAddress address) {
        }

        @Override
        public void unbind() {
        }

        @Override
        public Set<SocketAddress> getBoundAddresses() {
            return Set.of();
        }

        @Override
        public Map<Long, IoSession> getManagedSessions() {
            return Map.copyOf(sessions);
        }

        @Override
        public IoServiceEventListener getIoServiceEventListener() {
            return listener;
        }

        @Override
        public void setIoServiceEventListener(IoServiceEventListener listener) {
            this.listener = listener;
        }
    }
}
