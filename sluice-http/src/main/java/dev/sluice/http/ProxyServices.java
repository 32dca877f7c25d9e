package dev.sluice.http;

import java.io.IOException;
import java.net.Socket;
import java.time.Clock;

import dev.sluice.core.config.HttpsConfig;

/**
 * What every client connection of the proxy shares.
 *
 * @param settings the listener's settings (section {@code https}, read at start)
 * @param gate     authentication, authorisation and sessions
 * @param dialer   opens the TCP connection to a session's target
 * @param tls      upstream TLS contexts
 * @param oauth    OAuth2 client-credentials tokens
 */
record ProxyServices(HttpsConfig settings, ProxyGate gate, UpstreamDialer dialer, TlsContexts tls, OAuth2Tokens oauth,
                     Clock clock, java.util.function.Consumer<String> upstreamFailures) {

    /** Reports that the session's target could not be reached (the gateway's metrics). */
    void upstreamFailed(CallerSession session) {
        upstreamFailures.accept(session.connection());
    }

    /** Opens the TCP connection to the target of a session (every upstream connection goes through it). */
    @FunctionalInterface
    interface UpstreamDialer {
        Socket dial(CallerSession session) throws IOException;
    }
}
