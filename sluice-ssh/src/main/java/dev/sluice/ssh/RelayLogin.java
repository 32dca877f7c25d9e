package dev.sluice.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.sshd.client.session.ClientSession;

import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.SshTarget;
import dev.sluice.core.spi.UpstreamLogin;

/**
 * The relay's half of SSH ({@code META-INF/services/dev.sluice.core.spi.UpstreamLogin}): over the socket the relay
 * connected to its target, the MINA client does the key exchange, checks the host key against the relay's pin and
 * logs in with the relay's key or password ({@link Upstreams#login}, the gateway's own code); the stream handed back
 * to the gateway is not that session (its keys are the relay's) but a session of the relay's channel service
 * ({@link RelayChannelService}), on which the gateway opens each channel it judged. A host key that is not the pin
 * refuses the open with words the gateway recognises ({@link HostKeyPin#MISMATCH}), and it audits the refusal.
 * Thread-safe.
 */
public final class RelayLogin implements UpstreamLogin {
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static Upstreams client;
    private static RelayChannelService service;

    @Override
    public String protocol() {
        return SshTarget.TYPE;
    }

    @Override
    public LoggedIn login(ConnectionConfig connection, Socket socket, Map<String, String> parameters)
            throws IOException {
        if (!(connection.target() instanceof SshTarget target)) {
            throw new IOException("not an ssh target");
        }
        // fail closed: the relay has no Sluice CA, and never relays a credential it does not hold
        if (!(target.credential() instanceof SshTarget.Credential.PrivateKey)
                && !(target.credential() instanceof SshTarget.Credential.Password)) {
            throw new IOException("a relay logs in to an ssh target with a private-key or a password only");
        }
        InetSocketAddress address = InetSocketAddress.createUnresolved(connection.address().host(),
                connection.address().port());
        ClientSession upstream;
        try {
            upstream = client().login(socket, address, target, target.user(), () -> {
                throw new IOException("no Sluice CA in a relay");
            });
        } catch (Upstreams.UpstreamException e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            return service().serve(upstream, target.forwards());
        } catch (IOException | RuntimeException e) {
            upstream.close(true);
            throw e;
        }
    }

    private static Upstreams client() {
        LOCK.lock();
        try {
            if (client == null) {
                // fail closed: the relay's SSH client runs only over sockets the relay connected to its target
                client = new Upstreams((grant, purpose) -> {
                    throw new IOException("a relay dials only its configured targets");
                }, Optional.empty(), Clock.systemUTC());
            }
            return client;
        } finally {
            LOCK.unlock();
        }
    }

    private static RelayChannelService service() throws IOException {
        LOCK.lock();
        try {
            if (service == null) {
                service = RelayChannelService.start();
            }
            return service;
        } finally {
            LOCK.unlock();
        }
    }
}
