package dev.sluice.core.identity;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Verifies tokens of one issuer: algorithm, issuer, signature against {@link KeySource} keys, then time and
 * audience claims. Thread-safe.
 */
final class JwtVerifier implements TokenVerifier {

    private final IssuerSettings settings;
    private final KeySource keys;
    private final Clock clock;

    JwtVerifier(IssuerSettings settings, KeySource keys, Clock clock) {
        this.settings = settings;
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public Principal verify(String token) {
        Objects.requireNonNull(token, "token");
        SignedJWT jwt = SignedTokens.parse(token);
        return verify(jwt, SignedTokens.claims(jwt));
    }

    Principal verify(SignedJWT jwt, JWTClaimsSet claims) {
        if (!settings.issuer().toString().equals(claims.getIssuer())) {
            throw new InvalidTokenException("untrusted issuer");
        }
        List<JWK> candidates = keys.candidates(Optional.ofNullable(jwt.getHeader().getKeyID()),
                jwt.getHeader().getAlgorithm());
        if (candidates.isEmpty()) {
            throw new InvalidTokenException("unknown signing key");
        }
        if (candidates.stream().noneMatch(key -> SignedTokens.signedBy(jwt, key))) {
            throw new InvalidTokenException("signature invalid");
        }
        return TokenClaims.toPrincipal(claims, settings, clock.instant());
    }
}
