package dev.sluice.core.spi;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;

import dev.sluice.core.access.TargetGrant;

/**
 * Opens the byte stream to a granted connection's target. Every upstream connection a protocol makes (the session's
 * own, a cancel request, a catalog lookup) goes through the gateway's one dialer: directly to the target's address
 * today, through a relay inside the customer's network for a {@code via} connection. Only a {@link TargetGrant}
 * opens one, so no protocol reaches a target without authentication and authorisation.
 */
@FunctionalInterface
public interface Dialer {

    /**
     * Connects to the grant's target.
     *
     * @param purpose what the connection is for ({@code session}, {@code cancel}, {@code catalog}): logged, and the
     *                relay's audit names it
     * @throws IOException when the target cannot be reached; the message is safe to show the caller
     */
    Socket dial(TargetGrant grant, String purpose) throws IOException;

    /**
     * For a {@code via} connection ({@link dev.sluice.core.config.ConnectionConfig#via()}): asks a relay of the
     * connection's group to open the target and log in there with the relay's own credential (the gateway never has
     * it); the returned stream starts with the target's first byte after a successful login, as the protocol's
     * {@link UpstreamLogin} defines it. The protocol reads on from there as it would after its own login.
     *
     * @param parameters what the protocol would have sent at login, without the user and credential (PostgreSQL:
     *                   the startup parameters); the relay adds its own user and credential
     * @throws IOException when no relay of the group is connected, or the relay could not reach or log in to the
     *                     target; the message is safe to show the caller
     */
    default Socket dialLoggedIn(TargetGrant grant, String purpose, Map<String, String> parameters)
            throws IOException {
        throw new IOException("connection \"" + grant.connection().name() + "\" is reached through relay group \""
                + grant.connection().via().orElse("") + "\", and this gateway has no relay listener (relays.listen)");
    }
}
