package dev.sluice.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.Secret;

/**
 * A Kubernetes API server ({@code type: kubernetes}) or an internal HTTP service ({@code type: http}), reached
 * through the HTTPS proxy listener. Bound by {@link WebTargetBinder}; its {@code toString} shows no secret.
 *
 * @param type        {@code kubernetes} or {@code http}
 * @param url         the upstream base URL ({@code address}): {@code http(s)://HOST[:PORT][/base-path]}
 * @param tls         how the upstream's certificate is checked, and the client certificate Sluice presents
 * @param credential  what Sluice injects in place of the caller's token
 * @param impersonate Kubernetes only: send the caller's subject and groups as {@code Impersonate-User/Group}
 */
public record WebTarget(String type, URI url, Tls tls, Credential credential, boolean impersonate) implements Target {
    public static final String KUBERNETES = "kubernetes";
    public static final String HTTP = "http";
    static final Set<String> COMMON_KEYS = Set.of("ca-file", "insecure-skip-verify");
    static final Set<String> KUBERNETES_KEYS = Set.of("ca-file", "insecure-skip-verify", "token", "client-cert",
            "client-key", "impersonate");
    static final Set<String> HTTP_KEYS = Set.of("ca-file", "insecure-skip-verify", "headers", "basic-auth",
            "oauth2-client-credentials");

    public WebTarget {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(credential, "credential");
    }

    /**
     * Binds a web target's keys ({@code address} URL, TLS, credential) as a connection of {@code type} would have
     * them: for a relay's own config, which holds what a gateway's {@code via} connection does not.
     */
    public static Optional<WebTarget> bind(ConfigNode item, String type, SecretResolver secrets,
                                           ConfigProblems problems) {
        Optional<Target> result = type.equals(KUBERNETES) ? WebTargetBinder.kubernetes(item, secrets, problems)
                : WebTargetBinder.http(item, secrets, problems);
        return result.map(WebTarget.class::cast);
    }

    /** The keys {@link #bind} reads for {@code type}, beside {@code address}. */
    public static Set<String> keys(String type) {
        return type.equals(KUBERNETES) ? KUBERNETES_KEYS : HTTP_KEYS;
    }

    public boolean kubernetes() {
        return type.equals(KUBERNETES);
    }

    /**
     * @param caFile             CA certificates (PEM) the upstream's certificate must chain to; empty: the JDK's
     * @param insecureSkipVerify no certificate check at all (never the default)
     * @param clientCert         a client certificate chain (PEM) to present (Kubernetes client-certificate auth)
     * @param clientKey          its private key (PEM, PKCS#8)
     */
    public record Tls(Optional<Path> caFile, boolean insecureSkipVerify, Optional<Path> clientCert,
                      Optional<Path> clientKey) {
        public Tls {
            Objects.requireNonNull(caFile, "caFile");
            Objects.requireNonNull(clientCert, "clientCert");
            Objects.requireNonNull(clientKey, "clientKey");
        }
    }

    /** What Sluice sends upstream in place of the caller's token. */
    public sealed interface Credential {
        /** Nothing (a client certificate, or an open service). */
        record None() implements Credential {
        }

        /** Fixed header fields ({@code headers:}, and {@code token:} as {@code Authorization: Bearer ...}). */
        record Headers(List<SecretHeader> headers) implements Credential {
            public Headers {
                headers = List.copyOf(headers);
            }
        }

        /** {@code basic-auth: {user, password}}. */
        record Basic(String user, Secret password) implements Credential {
        }

        /** {@code oauth2-client-credentials}: a token fetched from {@code tokenUrl} and refreshed before expiry. */
        record OAuth2(URI tokenUrl, String clientId, Secret clientSecret, Optional<String> scope,
                      Optional<String> audience) implements Credential {
        }
    }

    /** One injected header; the value is a secret. */
    public record SecretHeader(String name, Secret value) {
    }

    @Override
    public String type() {
        return type;
    }
}
