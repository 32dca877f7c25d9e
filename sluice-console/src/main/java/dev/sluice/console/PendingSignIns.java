package dev.sluice.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.store.ConsoleSessionStore;

/**
 * Sign-ins under way: what the browser was sent to the identity provider with (OIDC state, nonce and PKCE verifier;
 * SAML request id), kept server-side under the SHA-256 of a random key and taken exactly once, so a response is
 * accepted only for a request a gateway sharing the store made, at most {@link #TTL} ago, and never twice. They live
 * in the store beside the audit trail ({@link ConsoleSessionStore}), so the identity provider's answer may reach any
 * replica. Bounded. When the store cannot be reached, no sign-in starts or finishes (fail closed). Thread-safe.
 */
final class PendingSignIns {
    static final Duration TTL = Duration.ofMinutes(10);
    static final int MAX_PENDING = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(PendingSignIns.class);

    /**
     * @param key      the OIDC {@code state} or the SAML {@code RelayState}
     * @param secret   the PKCE code verifier (OIDC) or the AuthnRequest ID (SAML)
     * @param nonce    the OIDC nonce; empty for SAML
     * @param returnTo a console path to land on afterwards
     * @param browser  the SHA-256 of the pre-sign-in cookie that binds this sign-in to the browser that began it
     */
    record Pending(String key, String secret, String nonce, String returnTo, String browser, Instant created) {
    }

    private final ConsoleSessionStore store;
    private final Clock clock;

    PendingSignIns(ConsoleSessionStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    boolean add(Pending value) {
        Instant now = clock.instant();
        try {
            return store.addSignIn(new ConsoleSessionStore.SignIn(BrowserSessions.hash(value.key()), value.secret(),
                    value.nonce(), value.returnTo(), value.browser(), value.created()), MAX_PENDING, now.minus(TTL));
        } catch (RuntimeException e) {
            LOG.warn("cannot store a console sign-in under way: {}", e.getMessage());
            return false;
        }
    }

    /** Removes and returns the sign-in under {@code key} if it is still fresh. */
    Optional<Pending> take(String key) {
        if (key == null || key.isEmpty() || key.length() > 100) {
            return Optional.empty();
        }
        Optional<ConsoleSessionStore.SignIn> taken;
        try {
            taken = store.takeSignIn(BrowserSessions.hash(key));
        } catch (RuntimeException e) {
            LOG.warn("cannot read a console sign-in under way: {}", e.getMessage());
            return Optional.empty();
        }
        return taken.filter(t -> clock.instant().isBefore(t.created().plus(TTL)))
                .map(t -> new Pending(key, t.secret(), t.nonce(), t.returnTo(), t.browser(), t.created()));
    }
}
