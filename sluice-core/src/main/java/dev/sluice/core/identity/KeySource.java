package dev.sluice.core.identity;

import java.util.List;
import java.util.Optional;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;

/** Public keys of one issuer. Implementations are thread-safe. */
interface KeySource {

    /** At most this many keys are tried for a token without a {@code kid}. */
    int MAX_CANDIDATES = 8;

    /**
     * Keys that could have signed a token with this {@code kid} (any key when absent) and algorithm; empty when
     * none is known.
     *
     * @throws InvalidTokenException when the keys cannot be obtained (fail closed)
     */
    List<JWK> candidates(Optional<String> kid, JWSAlgorithm alg);

    static KeySource fixed(JWKSet keys) {
        return (kid, alg) -> select(keys, kid, alg);
    }

    static List<JWK> select(JWKSet keys, Optional<String> kid, JWSAlgorithm alg) {
        return keys.getKeys().stream()
                .filter(key -> kid.isEmpty() || kid.get().equals(key.getKeyID()))
                .filter(key -> SignedTokens.fits(key, alg))
                .limit(MAX_CANDIDATES)
                .toList();
    }
}
