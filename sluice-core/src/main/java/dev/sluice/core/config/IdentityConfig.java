package dev.sluice.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may present tokens. Keys {@code identity.oidc} (a list of issuers, default none),
 * {@code identity.dev-issuer} (default {@code false}), {@code identity.session-grace} (default 60s) and
 * {@code identity.max-token-lifetime} (default 24h); the last two are defaults each issuer may override.
 *
 * @param oidc          the trusted OpenID Connect issuers, in configuration order
 * @param devIssuer     whether the built-in development issuer is enabled (never in production)
 * @param sessionGrace  how long a session may outlive its token's {@code exp} before Sluice ends it (the
 *                      development issuer's, and every issuer's without its own)
 * @param ssh           SSH identities ({@code identity.ssh}): trusted user CAs and registered public keys
 */
public record IdentityConfig(List<OidcIssuerConfig> oidc, boolean devIssuer, Duration sessionGrace,
                             SshIdentityConfig ssh) {
    /** The default {@code session-grace}: the clock skew a token is accepted with at login. */
    public static final Duration DEFAULT_SESSION_GRACE = Duration.ofSeconds(60);
    /** The default {@code max-token-lifetime}. */
    public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(24);
    static final Duration MAX_SESSION_GRACE = Duration.ofHours(1);

    public IdentityConfig {
        oidc = List.copyOf(oidc);
        java.util.Objects.requireNonNull(ssh, "ssh");
        java.util.Objects.requireNonNull(sessionGrace, "sessionGrace");
    }

    /** Without SSH identities. */
    public IdentityConfig(List<OidcIssuerConfig> oidc, boolean devIssuer, Duration sessionGrace) {
        this(oidc, devIssuer, sessionGrace, SshIdentityConfig.none());
    }

    /** With the default session grace. */
    public IdentityConfig(List<OidcIssuerConfig> oidc, boolean devIssuer) {
        this(oidc, devIssuer, DEFAULT_SESSION_GRACE);
    }

    /** No issuer, no development issuer: every token is refused. */
    public static IdentityConfig none() {
        return new IdentityConfig(List.of(), false);
    }

    /** The session grace for tokens of {@code issuer}: its own {@code session-grace}, else the identity default. */
    public Duration sessionGrace(String issuer) {
        return oidc.stream().filter(o -> o.issuer().toString().equals(issuer)).findFirst()
                .map(OidcIssuerConfig::sessionGrace).orElse(sessionGrace);
    }

    static IdentityConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "identity");
        problems.rejectUnknownKeys(node, Set.of("oidc", "dev-issuer", "session-grace", "max-token-lifetime",
                "ssh", "people"));
        Duration grace = grace(node, DEFAULT_SESSION_GRACE, problems);
        Duration lifetime = lifetime(node, DEFAULT_MAX_TOKEN_LIFETIME, problems);
        List<OidcIssuerConfig> issuers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConfigNode item : problems.list(node, "oidc").items()) {
            OidcIssuerConfig.bind(item, grace, lifetime, problems).ifPresent(issuer -> {
                if (seen.add(issuer.issuer().toString())) {
                    issuers.add(issuer);
                } else {
                    problems.add(item.at("issuer"), "duplicate issuer " + issuer.issuer());
                }
            });
        }
        return new IdentityConfig(issuers, problems.bool(node, "dev-issuer", false), grace,
                SshIdentityConfig.bind(node, problems));
    }

    /** {@code session-grace} under {@code node}: 0s to 1h. */
    static Duration grace(ConfigNode node, Duration fallback, ConfigProblems problems) {
        Duration value = problems.duration(node, "session-grace", fallback);
        if (value.isNegative() || value.compareTo(MAX_SESSION_GRACE) > 0) {
            problems.add(node.at("session-grace"), "expected a grace from 0s to 1h");
            return fallback;
        }
        return value;
    }

    /** {@code max-token-lifetime} under {@code node}: 1s to 366d. */
    static Duration lifetime(ConfigNode node, Duration fallback, ConfigProblems problems) {
        Duration value = problems.duration(node, "max-token-lifetime", fallback);
        if (!value.isPositive() || value.compareTo(Duration.ofDays(366)) > 0) {
            problems.add(node.at("max-token-lifetime"), "expected a lifetime from 1s to 366d");
            return fallback;
        }
        return value;
    }
}
