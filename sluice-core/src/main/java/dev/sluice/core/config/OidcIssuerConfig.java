package dev.sluice.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One trusted OpenID Connect issuer (an item of {@code identity.oidc}).
 *
 * @param issuer      the exact {@code iss} value, also the base of discovery; {@code https}, or {@code http} for a
 *                    loopback host only
 * @param audience    the {@code aud} a token must carry to be accepted by Sluice
 * @param groupsClaim the claim holding the caller's groups (default {@code groups})
 * @param maxTokenLifetime the longest {@code iat}-to-{@code exp} lifetime accepted ({@code max-token-lifetime},
 *                    default {@code identity.max-token-lifetime}, else 24h)
 * @param sessionGrace how long a session may outlive its token ({@code session-grace}, default
 *                    {@code identity.session-grace}, else 60s)
 */
public record OidcIssuerConfig(URI issuer, String audience, String groupsClaim, Duration maxTokenLifetime,
                               Duration sessionGrace) {
    public static final String DEFAULT_GROUPS_CLAIM = "groups";

    public OidcIssuerConfig {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(groupsClaim, "groupsClaim");
        Objects.requireNonNull(maxTokenLifetime, "maxTokenLifetime");
        Objects.requireNonNull(sessionGrace, "sessionGrace");
    }

    /** With the default lifetime and grace. */
    public OidcIssuerConfig(URI issuer, String audience, String groupsClaim) {
        this(issuer, audience, groupsClaim, IdentityConfig.DEFAULT_MAX_TOKEN_LIFETIME,
                IdentityConfig.DEFAULT_SESSION_GRACE);
    }

    static Optional<OidcIssuerConfig> bind(ConfigNode node, Duration grace, Duration lifetime,
                                           ConfigProblems problems) {
        if (!node.isMap()) {
            problems.add(node, "expected a map with issuer and audience, got " + node.describe());
            return Optional.empty();
        }
        problems.rejectUnknownKeys(node, Set.of("issuer", "audience", "groups-claim", "max-token-lifetime",
                "session-grace"));
        Duration maxLifetime = IdentityConfig.lifetime(node, lifetime, problems);
        Duration sessionGrace = IdentityConfig.grace(node, grace, problems);
        String issuerText = problems.requiredString(node, "issuer");
        String audience = problems.requiredString(node, "audience");
        String groupsClaim = problems.string(node, "groups-claim", DEFAULT_GROUPS_CLAIM);
        if (groupsClaim.isBlank()) {
            problems.add(node.at("groups-claim"), "a value is required");
        }
        Optional<URI> issuer = issuerText.isBlank() ? Optional.empty() : issuer(node.at("issuer"), issuerText, problems);
        if (issuer.isEmpty() || audience.isBlank() || groupsClaim.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new OidcIssuerConfig(issuer.get(), audience, groupsClaim, maxLifetime, sessionGrace));
    }

    private static Optional<URI> issuer(ConfigNode node, String text, ConfigProblems problems) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            problems.add(node, "invalid issuer URL: " + e.getReason());
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            problems.add(node, "the issuer must be an absolute https URL, e.g. https://login.example.com/realm");
            return Optional.empty();
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            problems.add(node, "the issuer must not have a query or a fragment");
            return Optional.empty();
        }
        if (scheme.equals("http") && !HostPort.isLoopbackHost(uri.getHost())) {
            problems.add(node, "the issuer must use https (http is allowed only for a loopback host such as "
                    + "127.0.0.1 or localhost, got host " + uri.getHost() + ")");
            return Optional.empty();
        }
        return Optional.of(uri);
    }
}
