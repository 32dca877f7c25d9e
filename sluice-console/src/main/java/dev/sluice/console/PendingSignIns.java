package dev.sluice.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sign-ins under way: what the browser was sent to the identity provider with (OIDC state, nonce and PKCE verifier;
 * SAML request id), kept server-side under a random key and taken exactly once, so a response is accepted only for
 * a request this gateway made, at most {@link #TTL} ago, and never twice. Bounded. Thread-safe.
 */
final class PendingSignIns {
    static final Duration TTL = Duration.ofMinutes(10);
    static final int MAX_PENDING = 10_000;

    /**
     * @param key      the OIDC {@code state} or the SAML {@code RelayState}
     * @param secret   the PKCE code verifier (OIDC) or the AuthnRequest ID (SAML)
     * @param nonce    the OIDC nonce; empty for SAML
     * @param returnTo a console path to land on afterwards
     * @param browser  the SHA-256 of the pre-sign-in cookie that binds this sign-in to the browser that began it
     */
    record Pending(String key, String secret, String nonce, String returnTo, String browser, Instant created) {
    }

    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final Clock clock;

    PendingSignIns(Clock clock) {
        this.clock = clock;
    }

    boolean add(Pending value) {
        Instant now = clock.instant();
        if (pending.size() >= MAX_PENDING) {
            pending.values().removeIf(p -> !now.isBefore(p.created().plus(TTL)));
            if (pending.size() >= MAX_PENDING) {
                return false;
            }
        }
        pending.put(value.key(), value);
        return true;
    }

    /** Removes and returns the sign-in under {@code key} if it is still fresh. */
    Optional<Pending> take(String key) {
        if (key == null || key.isEmpty() || key.length() > 100) {
            return Optional.empty();
        }
        Pending result = pending.remove(key);
        if (result == null || !clock.instant().isBefore(result.created().plus(TTL))) {
            return Optional.empty();
        }
        return Optional.of(result);
    }
}
