package dev.sluice.core.spi;

import java.io.IOException;
import java.net.Socket;

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
}
