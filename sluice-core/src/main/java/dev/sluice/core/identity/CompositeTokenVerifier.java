package dev.sluice.core.identity;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Sends each token to the verifier of the issuer named in its (still unverified) {@code iss} claim. Reading the
 * claim before verification is safe because the chosen verifier checks the signature and the issuer again.
 * Thread-safe when its verifiers are.
 */
public final class CompositeTokenVerifier implements TokenVerifier {

    private final Map<String, TokenVerifier> byIssuer;

    private CompositeTokenVerifier(Map<String, TokenVerifier> byIssuer) {
        this.byIssuer = Map.copyOf(byIssuer);
    }

    /** @param byIssuer verifiers keyed by the exact {@code iss} value they handle */
    public static CompositeTokenVerifier of(Map<String, TokenVerifier> byIssuer) {
        return new CompositeTokenVerifier(byIssuer);
    }

    @Override
    public Principal verify(String token) {
        Objects.requireNonNull(token, "token");
        TokenVerifier verifier = SignedTokens.unverifiedIssuer(token).map(byIssuer::get)
                .orElseThrow(() -> new InvalidTokenException("untrusted issuer"));
        return verifier.verify(token);
    }

    /** The verifier for {@code issuer}, if any. */
    public Optional<TokenVerifier> verifierFor(String issuer) {
        return Optional.ofNullable(byIssuer.get(issuer));
    }
}
