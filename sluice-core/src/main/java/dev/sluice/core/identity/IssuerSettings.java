package dev.sluice.core.identity;

import java.net.URI;
import java.util.Objects;

/**
 * One trusted OpenID Connect issuer.
 *
 * @param issuer      the issuer identifier; it must equal the {@code iss} of its tokens and the {@code issuer} of
 *                    its discovery document exactly
 * @param audience    a value the token's {@code aud} must contain (usually the client id Sluice is registered as)
 * @param groupsClaim dot path to the claim holding the caller's groups, e.g. {@code groups} or
 *                    {@code realm_access.roles}; empty when the issuer provides no groups
 */
public record IssuerSettings(URI issuer, String audience, String groupsClaim) {

    public IssuerSettings {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(groupsClaim, "groupsClaim");
        if (audience.isBlank()) {
            throw new IllegalArgumentException("audience must not be blank");
        }
    }
}
