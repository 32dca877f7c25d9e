package dev.sluice.core.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may present tokens. Keys {@code identity.oidc} (a list of issuers, default none) and
 * {@code identity.dev-issuer} (default {@code false}).
 *
 * @param oidc      the trusted OpenID Connect issuers, in configuration order
 * @param devIssuer whether the built-in development issuer is enabled (never in production)
 */
public record IdentityConfig(List<OidcIssuerConfig> oidc, boolean devIssuer) {
    public IdentityConfig {
        oidc = List.copyOf(oidc);
    }

    /** No issuer, no development issuer: every token is refused. */
    public static IdentityConfig none() {
        return new IdentityConfig(List.of(), false);
    }

    static IdentityConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "identity");
        problems.rejectUnknownKeys(node, Set.of("oidc", "dev-issuer"));
        List<OidcIssuerConfig> issuers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConfigNode item : problems.list(node, "oidc").items()) {
            OidcIssuerConfig.bind(item, problems).ifPresent(issuer -> {
                if (seen.add(issuer.issuer().toString())) {
                    issuers.add(issuer);
                } else {
                    problems.add(item.at("issuer"), "duplicate issuer " + issuer.issuer());
                }
            });
        }
        return new IdentityConfig(issuers, problems.bool(node, "dev-issuer", false));
    }
}
