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
 * signed by {@link SluiceCa}) offered; the caller's own credential never reaches the target. Thread-safe.
 */
final class Upstreams implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final AttributeRepository.AttributeKey<HostKeyPin.Verifier> VERIFIER =
            new AttributeRepository.AttributeKey<>();

    private final SshClient client;
    private final Dialer dialer;
    private final SluiceCa ca;
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
     * Connects and authenticates to the grant's target as {@code login}.
     *
     * @param keyId what a per-session certificate names as its key id (the Sluice session id)
     */
    ClientSession open(TargetGrant grant, SshTarget target, String login, String keyId) throws UpstreamException {
        HostKeyPin pin = HostKeyPin.parse(target.hostKey());
        HostKeyPin.Verifier verifier = pin.verifier();
        Socket socket;
        try {
            socket = dialer.dial(grant, "session");
        } catch (IOException e) {
            throw new UpstreamException("cannot reach the target: " + e.getMessage(), false, e);
        }
        ClientSession session = null;
        try {
            AttributeRepository context = AttributeRepository.ofAttributesMap(Map.of(
                    DialedIoServiceFactory.SOCKET, socket, VERIFIER, verifier));
            InetSocketAddress address = InetSocketAddress.createUnresolved(grant.connection().address().host(),
                    grant.connection().address().port());
            session = client.connect(login, address, context, null)
                    .verify(CONNECT_TIMEOUT, CancelOption.CANCEL_ON_TIMEOUT).getSession();
            switch (target.credential()) {
                case SshTarget.Credential.PrivateKey key ->
                        session.addPublicKeyIdentity(PrivateKeys.parse(key.key().reveal(), "private-key"));
                case SshTarget.Credential.Password password -> session.addPasswordIdentity(password.password().reveal());
                case SshTarget.Credential.CertificateAuthority authority -> {
                    KeyPair pair = ca.issue(login, "sluice-session-" + keyId, clock.instant());
                    session.addPublicKeyIdentity(pair);
                }
            }
            session.auth().verify(CONNECT_TIMEOUT, CancelOption.CANCEL_ON_TIMEOUT);
            return session;
        } catch (IOException | RuntimeException e) {
            closeQuietly(session, socket);
            if (verifier.mismatch().isPresent()) {
                throw new UpstreamException("the target's host key " + verifier.mismatch().get()
                        + " is not the pinned " + pin.fingerprint() + "; refused", true, e);
            }
            throw new UpstreamException("cannot log in to the target (" + reason(e) + ")", false, e);
        }
    }

    private static String reason(Exception e) {
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
