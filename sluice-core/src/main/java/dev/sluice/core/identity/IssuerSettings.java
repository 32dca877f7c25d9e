package dev.sluice.core.identity;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * One trusted OpenID Connect issuer.
 *
 * @param issuer      the issuer identifier; it must equal the {@code iss} of its tokens and the {@code issuer} of
 *                    its discovery document exactly
 * @param audience    a value the token's {@code aud} must contain (usually the client id Sluice is registered as)
 * @param groupsClaim dot path to the claim holding the caller's groups, e.g. {@code groups} or
 *                    {@code realm_access.roles}; empty when the issuer provides no groups
 * @param maxTokenLifetime the longest lifetime a token of this issuer may have, from its {@code iat} (else
 *                    {@code nbf}, else now) to its {@code exp}; longer-lived tokens are refused
 */
public record IssuerSettings(URI issuer, String audience, String groupsClaim, Duration maxTokenLifetime) {
    /** The default {@code max-token-lifetime}: a day. */
    public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(24);

    public IssuerSettings {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(groupsClaim, "groupsClaim");
        Objects.requireNonNull(maxTokenLifetime, "maxTokenLifetime");
        if (audience.isBlank()) {
            throw new IllegalArgumentException("audience must not be blank");
        }
        if (!maxTokenLifetime.isPositive()) {
            throw new IllegalArgumentException("maxTokenLifetime must be positive");
        }
    }

    /** An issuer with the {@link #DEFAULT_MAX_TOKEN_LIFETIME}. */
    public IssuerSettings(URI issuer, String audience, String groupsClaim) {
        this(issuer, audience, groupsClaim, DEFAULT_MAX_TOKEN_LIFETIME);
    }
}
