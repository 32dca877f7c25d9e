package dev.sluice.http;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.WebTarget;

/**
 * A {@code kubernetes} or {@code http} connection as the proxy uses it: its name and its {@link WebTarget} (the
 * upstream URL, TLS and credential), with the derived bits of the upstream request. Its {@code toString} shows no
 * secret.
 */
record HttpTarget(String name, WebTarget web) {
    HttpTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(web, "web");
    }

    /** The proxy's view of a connection, empty when it is not a web connection. */
    static Optional<HttpTarget> of(ConnectionConfig connection) {
        return connection.target() instanceof WebTarget web ? Optional.of(new HttpTarget(connection.name(), web))
                : Optional.empty();
    }

    boolean kubernetes() {
        return web.kubernetes();
    }

    String protocol() {
        return web.type();
    }

    URI address() {
        return web.url();
    }

    WebTarget.Tls tls() {
        return web.tls();
    }

    WebTarget.Credential credential() {
        return web.credential();
    }

    boolean impersonate() {
        return web.impersonate();
    }

    boolean https() {
        return address().getScheme().equalsIgnoreCase("https");
    }

    int port() {
        return address().getPort() > 0 ? address().getPort() : https() ? 443 : 80;
    }

    /** The {@code Host} header Sluice sends upstream. */
    String hostHeader() {
        return address().getPort() < 0 ? address().getHost() : address().getHost() + ":" + address().getPort();
    }

    /** The base path to prefix to forwarded paths, without a trailing slash ("" for none). */
    String basePath() {
        String path = Optional.ofNullable(address().getRawPath()).orElse("");
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
