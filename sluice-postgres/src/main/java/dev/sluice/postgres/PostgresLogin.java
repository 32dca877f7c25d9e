package dev.sluice.postgres;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;

import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.spi.UpstreamLogin;

/**
 * The relay's PostgreSQL login: TLS as the relay's target says, a StartupMessage with the gateway's startup
 * parameters and the relay's own user, SCRAM-SHA-256(-PLUS) / md5 / cleartext with the relay's own password (the same
 * code and rules as the gateway's direct login, {@link UpstreamAuthRules}); hands back the stream from the server's
 * first message after AuthenticationOk.
 */
public final class PostgresLogin implements UpstreamLogin {

    @Override
    public String protocol() {
        return dev.sluice.core.config.PostgresTarget.TYPE;
    }

    @Override
    public LoggedIn login(ConnectionConfig connection, Socket socket, Map<String, String> parameters)
            throws IOException {
        try {
            return PostgresUpstream.loginForRelay(connection, socket, parameters);
        } catch (PostgresUpstream.UpstreamException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
