package dev.sluice.server;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.config.IdentityConfig;
import dev.sluice.core.config.OidcIssuerConfig;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.identity.CachingTokenVerifier;
import dev.sluice.core.identity.CompositeTokenVerifier;
import dev.sluice.core.identity.DevIssuer;
import dev.sluice.core.identity.IssuerSettings;
import dev.sluice.core.identity.OidcTokenVerifier;
import dev.sluice.core.identity.TokenVerifier;

/** Builds the token verifier a config asks for: each OIDC issuer, plus the dev issuer only when enabled. */
final class Identities {
    private Identities() {
    }

    static TokenVerifier verifier(SluiceConfig config, Clock clock) {
        IdentityConfig identity = config.identity();
        Map<String, TokenVerifier> byIssuer = new LinkedHashMap<>();
        for (OidcIssuerConfig issuer : identity.oidc()) {
            byIssuer.put(issuer.issuer().toString(), OidcTokenVerifier.create(List.of(
                    new IssuerSettings(issuer.issuer(), issuer.audience(), issuer.groupsClaim(),
                            issuer.maxTokenLifetime())), clock));
        }
        if (identity.devIssuer()) {
            byIssuer.put(DevIssuer.ISSUER.toString(), DevIssuer.open(config.dataDir(), clock).verifier());
        }
        if (byIssuer.isEmpty()) {
            return TokenVerifier.rejectAll();
        }
        return CachingTokenVerifier.of(CompositeTokenVerifier.of(byIssuer), clock);
    }
}
