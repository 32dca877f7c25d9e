package dev.sluice.core.identity;

import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * The {@code exp} of a token a {@link TokenVerifier} has just accepted. It reads the claim without verifying
 * anything, so it must only be asked about a token that verified: then the claim is the signed one.
 */
public final class TokenExpiry {
    private TokenExpiry() {
    }

    /** The token's {@code exp}; empty when it is not a JWT or has none (only a test verifier accepts such). */
    public static Optional<Instant> of(String token) {
        try {
            return Optional.ofNullable(SignedTokens.claims(SignedTokens.parseAny(token)).getExpirationTime())
                    .map(Date::toInstant);
        } catch (InvalidTokenException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
