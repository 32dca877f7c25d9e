package dev.sluice.http;

import java.io.IOException;

/** The security flow as the proxy needs it: authenticate a token and open a session on a connection. */
interface ProxyGate {
    /**
     * Authenticates {@code token} and authorises {@code connection}, then opens the session.
     *
     * @param protocol {@code kubernetes} or {@code http} as the route says ({@code /k8s/}, {@code /http/}); empty
     *                 for host routing (the connection's own type). A connection of another type is refused as one
     *                 the caller may not use.
     * @param close called when the core ends the session (expiry, drain, kill): closes the client connection
     * @throws RefusedException with the status and safe message to answer (401, 403, 503)
     */
    CallerSession open(String connection, java.util.Optional<String> protocol, String token, String clientAddress, Runnable close)
            throws IOException, RefusedException;

    /** A request refused before any session: the status and message to answer. */
    final class RefusedException extends Exception {
        private final int status;

        RefusedException(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }
}
