package dev.sluice.http;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.Secret;

/**
 * The proxy-specific settings of one {@code kubernetes} or {@code http} connection. Its {@code toString} shows no
 * secret.
 *
 * @param name        the connection's name
 * @param kubernetes  true for {@code type: kubernetes}
 * @param address     the upstream base URL ({@code http} or {@code https}, host, port, optional base path)
 * @param tls         how the upstream's certificate is checked, and the client certificate Sluice presents
 * @param credential  what Sluice injects
 * @param impersonate whether the caller's identity and groups are sent as {@code Impersonate-User/Group}
 * @param hold        what a held request does: wait for the decision, or answer 202 at once
 */
record HttpTarget(String name, boolean kubernetes, URI address, UpstreamTlsSettings tls, Credential credential,
                  boolean impersonate, HoldMode hold) {
    HttpTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(hold, "hold");
    }

    String protocol() {
        return kubernetes ? "kubernetes" : "http";
    }

    boolean https() {
        return address.getScheme().equals("https");
    }

    int port() {
        return address.getPort() > 0 ? address.getPort() : https() ? 443 : 80;
    }

    /** The {@code Host} header Sluice sends upstream. */
    String hostHeader() {
        boolean defaultPort = address.getPort() < 0;
        String host = address.getHost();
        return defaultPort ? host : host + ":" + address.getPort();
    }

    /** The base path to prefix to forwarded paths, without a trailing slash ("" for none). */
    String basePath() {
        String path = Optional.ofNullable(address.getRawPath()).orElse("");
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    enum HoldMode { WAIT, ACCEPTED }

    /**
     * @param caFile             CA certificates (PEM) the upstream's certificate must chain to; empty: the JDK's
     * @param insecureSkipVerify no certificate check at all (never the default)
     * @param clientCert         a client certificate chain (PEM) to present (Kubernetes client-cert auth)
     * @param clientKey          its private key (PEM, PKCS#8 or PKCS#1... PKCS#8 only)
     */
    record UpstreamTlsSettings(Optional<Path> caFile, boolean insecureSkipVerify, Optional<Path> clientCert,
                               Optional<Path> clientKey) {
    }

    /** What Sluice sends upstream in place of the caller's token. */
    sealed interface Credential {
        /** Nothing (a client certificate, or an open service). */
        record None() implements Credential {
        }

        /** Fixed header fields ({@code headers:} and {@code token:}: {@code Authorization: Bearer ...}). */
        record StaticHeaders(List<SecretHeader> headers) implements Credential {
        }

        /** {@code basic-auth: {user, password}}. */
        record Basic(String user, Secret password) implements Credential {
        }

        /** {@code oauth2-client-credentials}: a token fetched from {@code tokenUrl} and refreshed before expiry. */
        record OAuth2(URI tokenUrl, String clientId, Secret clientSecret, Optional<String> scope,
                      Optional<String> audience) implements Credential {
        }
    }

    record SecretHeader(String name, Secret value) {
    }
}
