package dev.sluice.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.future.CancelOption;
import org.apache.sshd.core.CoreModuleProperties;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.config.SshTarget;
import dev.sluice.core.spi.Dialer;

/**
 * Opens Sluice's own SSH sessions to targets: one MINA {@link SshClient} for the listener, every connection dialed by
 * the core {@link Dialer} (see {@link DialedIoServiceFactory}), the target's host key checked against the
 * connection's pin, and Sluice's credential for the target (a stored key, a password, or a per-session certificate
 * signed by {@link SluiceCa}) offered; the caller's own credential never reaches the target. A {@code via}
 * connection's session goes to a relay's channel service instead ({@link RelayLogin}). Thread-safe.
 */
final class Upstreams implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final AttributeRepository.AttributeKey<ServerKeyVerifier> VERIFIER =
            new AttributeRepository.AttributeKey<>();

    private final SshClient client;
    private final Dialer dialer;
    private final Optional<SluiceCa> ca;
    private final Clock clock;

    /** Why the target refused or could not be reached; the message is safe to show the caller and to audit. */
    static final class UpstreamException extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean hostKeyMismatch;

        UpstreamException(String message, boolean hostKeyMismatch, Throwable cause) {
            super(message, cause);
            this.hostKeyMismatch = hostKeyMismatch;
        }

        boolean hostKeyMismatch() {
            return hostKeyMismatch;
        }
    }

    Upstreams(Dialer dialer, SluiceCa ca, Clock clock) {
        this(dialer, Optional.of(ca), clock);
    }

    /** @param ca empty in a relay, which logs in with a stored key or password only */
    Upstreams(Dialer dialer, Optional<SluiceCa> ca, Clock clock) {
        this.dialer = dialer;
        this.ca = ca;
        this.clock = clock;
        this.client = SshClient.setUpDefaultClient();
        client.setIoServiceFactoryFactory(new DialedIoServiceFactory());
        client.setCipherFactories(SshCiphers.PREFERRED);
        client.setKeyExchangeFactories(SshCiphers.withoutSlowKex(client.getKeyExchangeFactories()));
        // Fail closed: a session without a pin in its connect context is refused (never "accept all").
        client.setServerKeyVerifier((session, address, key) -> Optional.ofNullable(session.getConnectionContext())
                .map(c -> c.getAttribute(VERIFIER)).map(v -> v.verifyServerKey(session, address, key))
                .orElse(false));
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(30));
        client.start();
    }

    /**
     * Connects and authenticates to the grant's target as {@code login}; for a {@code via} connection, to the channel
     * service of a relay of its group, which has logged in to the target itself ({@link RelayLogin}).
     *
     * @param keyId what a per-session certificate names as its key id (the Sluice session id)
     */
    ClientSession open(TargetGrant grant, SshTarget target, String login, String keyId) throws UpstreamException {
        if (grant.connection().via().isPresent()) {
            return openRelayed(grant, login);
        }
        Socket socket;
        try {
            socket = dialer.dial(grant, "session");
        } catch (IOException e) {
            throw new UpstreamException("cannot reach the target: " + e.getMessage(), false, e);
        }
        InetSocketAddress address = InetSocketAddress.createUnresolved(grant.connection().address().host(),
                grant.connection().address().port());
        return login(socket, address, target, login, () -> ca.orElseThrow(() -> new IllegalStateException(
                "no Sluice CA here")).issue(login, "sluice-session-" + keyId, clock.instant()));
    }

    /**
     * A {@code via} connection: a relay of the group opens the target, pins its host key and logs in with its own
     * key; the tunnel it hands back carries the SSH connection protocol to the relay's channel service, on which the
     * caller's judged channels are opened as on a direct connection. That service's host key is the relay process's
     * own (made at its start) and it asks no real credential: the tunnel is already mutual TLS to a relay enrolled in the
     * connection's group, which the gateway asked for this session.
     */
    private ClientSession openRelayed(TargetGrant grant, String login) throws UpstreamException {
        Socket socket;
        try {
            socket = dialer.dialLoggedIn(grant, "session", Map.of());
        } catch (IOException e) {
            String message = reason(e);
            // the relay found a host key that is not its pin: ended and audited as for a direct connection
            boolean mismatch = message.contains(HostKeyPin.MISMATCH);
            throw new UpstreamException(mismatch ? message : "cannot reach the target: " + message, mismatch, e);
        }
        ClientSession session = null;
        try {
            AttributeRepository context = AttributeRepository.ofAttributesMap(Map.of(
                    DialedIoServiceFactory.SOCKET, socket, VERIFIER, RELAY_TUNNEL));
            session = client.connect(login.isEmpty() ? "sluice" : login, InetSocketAddress.createUnresolved(
                    "relay-" + grant.connection().via().orElseThrow(), 22), context, null)
                    .verify(CONNECT_TIMEOUT, CancelOption.CANCEL_ON_TIMEOUT).getSession();
            // a placeholder: the relay's service accepts any (RelayChannelService); the tunnel is what authenticates
            session.addPasswordIdentity("relay-tunnel");
            session.auth().verify(CONNECT_TIMEOUT, CancelOption.CANCEL_ON_TIMEOUT);
            return session;
        } catch (IOException | RuntimeException e) {
            closeQuietly(session, socket);
            throw new UpstreamException("cannot open the relay's channels to the target (" + reason(e) + ")", false,
                    e);
        }
    }

    /** The relay's channel service is authenticated by the tunnel (mutual TLS), not by an SSH host key. */
    private static final ServerKeyVerifier RELAY_TUNNEL = (session, address, key) -> true;

    /** Where a per-session certificate comes from (only asked for {@code certificate-authority: true}). */
    @FunctionalInterface
    interface CertificateIssuer {
        KeyPair issue() throws java.security.GeneralSecurityException, IOException;
    }

    /**
     * Runs SSH over {@code socket} (already connected to the target), checks the host key against the target's pin
     * and logs in as {@code login} with the target's credential. Used by the gateway for a direct connection and by
     * a relay for its own target ({@link RelayLogin}).
     */
    ClientSession login(Socket socket, InetSocketAddress address, SshTarget target, String login,
                        CertificateIssuer certificate) throws UpstreamException {
        HostKeyPin pin = HostKeyPin.parse(target.hostKey());
        HostKeyPin.Verifier verifier = pin.verifier();
        ClientSession session = null;
        try {
            AttributeRepository context = AttributeRepository.ofAttributesMap(Map.of(
                    DialedIoServiceFactory.SOCKET, socket, VERIFIER, verifier));
            session = client.connect(login, address, context, null)
                    .verify(CONNECT_TIMEOUT, CancelOption.CANCEL_ON_TIMEOUT).getSession();
            switch (target.credential()) {
                case SshTarget.Credential.PrivateKey key ->
                        session.addPublicKeyIdentity(PrivateKeys.parse(key.key().reveal(), "private-key"));
                case SshTarget.Credential.Password password -> session.addPasswordIdentity(password.password().reveal());
                case SshTarget.Credential.CertificateAuthority authority -> session.addPublicKeyIdentity(
                        certificate.issue());
                // fail closed: a relay's target is never dialled by the gateway
                case SshTarget.Credential.Relay relay -> throw new IOException("a via connection's target is logged "
                        + "in to by its relay");
            }
            session.auth().verify(CONNECT_TIMEOUT, CancelOption.CANCEL_ON_TIMEOUT);
            return session;
        } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
            closeQuietly(session, socket);
            if (verifier.mismatch().isPresent()) {
                throw new UpstreamException("the target's host key " + verifier.mismatch().get() + " "
                        + HostKeyPin.MISMATCH + " " + pin.fingerprint() + "; refused", true, e);
            }
            throw new UpstreamException("cannot log in to the target (" + reason(e) + ")", false, e);
        }
    }

    static String reason(Exception e) {
        String message = Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
        return message.length() > 200 ? message.substring(0, 200) : message;
    }

    private static void closeQuietly(ClientSession session, Socket socket) {
        if (session != null) {
            session.close(true);
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closed either way
        }
    }

    @Override
    public void close() {
        client.stop();
    }
}
