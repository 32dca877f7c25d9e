package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.WebTarget;
import dev.sluice.core.spi.UpstreamLogin;

/**
 * The relay's half of a {@code via} kubernetes or http connection ({@link java.util.ServiceLoader} provider): opens
 * the upstream as the gateway would (TLS with the target's CA and client certificate: {@link UpstreamLink}), and
 * injects the relay's own credential into each of the gateway's requests ({@link RelayRequests}). There is no login
 * exchange and so no greeting; the responses stream back as the target sends them.
 */
public final class HttpRelayLogin implements UpstreamLogin {
    private final TlsContexts tls = new TlsContexts();
    private final OAuth2Tokens oauth = new OAuth2Tokens(Clock.systemUTC());

    @Override
    public String protocol() {
        return WebTarget.HTTP;
    }

    @Override
    public Set<String> types() {
        return Set.of(WebTarget.HTTP, WebTarget.KUBERNETES);
    }

    @Override
    public LoggedIn login(ConnectionConfig connection, Socket socket, Map<String, String> parameters)
            throws IOException {
        HttpTarget target = target(connection);
        UpstreamLink link = UpstreamLink.open(target, socket, tls);
        return new LoggedIn(new byte[0], link.socket().getInputStream(), link.socket().getOutputStream(), link);
    }

    @Override
    public InputStream requests(ConnectionConfig connection, InputStream fromGateway) throws IOException {
        return new RelayRequests(fromGateway, target(connection), oauth);
    }

    private static HttpTarget target(ConnectionConfig connection) throws IOException {
        return HttpTarget.of(connection).orElseThrow(() -> new IOException("connection \"" + connection.name()
                + "\" is not a kubernetes or http connection"));
    }
}
