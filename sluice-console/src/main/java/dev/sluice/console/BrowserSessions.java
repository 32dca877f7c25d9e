package dev.sluice.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.identity.Principal;
import dev.sluice.store.ConsoleSessionStore;

/**
 * Signed-in browsers, kept in the store beside the audit trail ({@link ConsoleSessionStore}): every replica sharing
 * the store knows every session, and ending one (sign-out) ends it on all. A session id is 32 random bytes
 * (base64url) held only by the browser's HttpOnly cookie; the store keys it by its SHA-256, so a dump of the store
 * or a log never yields a usable cookie. A session ends at its hard lifetime, after the idle timeout, or at
 * sign-out. At most {@link #MAX_SESSIONS}: a flood of sign-ins evicts the expired first and then refuses new ones
 * rather than growing. When the store cannot be reached a browser counts as signed out (fail closed). Thread-safe.
 */
final class BrowserSessions {
    static final int MAX_SESSIONS = 10_000;
    /** Use is written back at most this often (an idle timeout is minutes or hours; a write per request is not). */
    static final Duration TOUCH_EVERY = Duration.ofSeconds(15);
    private static final Logger LOG = LoggerFactory.getLogger(BrowserSessions.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConsoleSessionStore store;
    private final Clock clock;

    BrowserSessions(ConsoleSessionStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * A signed-in person.
     *
     * @param csrf       the token every state-changing request must carry (header {@code X-CSRF-Token} or form
     *                   field {@code csrf})
     * @param method     how they signed in: {@code oidc} or {@code saml}
     * @param idpSession what the identity provider's single logout needs (SAML {@code SessionIndex}), or {@code ""}
     */
    record BrowserSession(String key, Principal principal, String csrf, String method, String idpSession,
                          Instant created, Instant expires, Instant lastUsed) {
    }

    /** A new session for {@code principal}; the returned cookie value is the only copy of its id. */
    Optional<String> create(Principal principal, String method, String idpSession, Duration lifetime) {
        Instant now = clock.instant();
        String result = random();
        try {
            boolean stored = store.create(new ConsoleSessionStore.Stored(hash(result), principal, random(), method,
                    idpSession, now, now.plus(lifetime), now), MAX_SESSIONS, now);
            return stored ? Optional.of(result) : Optional.empty();
        } catch (RuntimeException e) {
            LOG.warn("cannot store a console session: {}", e.getMessage());
            return Optional.empty();
        }
    }

    Optional<String> create(Principal principal, String method, Duration lifetime) {
        return create(principal, method, "", lifetime);
    }

    /** The live session of this cookie value, touched; empty (and forgotten) when expired or idle too long. */
    Optional<BrowserSession> find(String cookie, Duration idle) {
        if (cookie == null || cookie.length() != 43) {
            return Optional.empty();
        }
        String key = hash(cookie);
        try {
            Optional<ConsoleSessionStore.Stored> stored = store.find(key);
            if (stored.isEmpty()) {
                return Optional.empty();
            }
            ConsoleSessionStore.Stored s = stored.get();
            Instant now = clock.instant();
            if (!now.isBefore(s.expires()) || !now.isBefore(s.lastUsed().plus(idle))) {
                store.delete(key);
                return Optional.empty();
            }
            if (!now.isBefore(s.lastUsed().plus(TOUCH_EVERY))) {
                store.touch(key, now);
            }
            return Optional.of(new BrowserSession(key, s.principal(), s.csrf(), s.method(), s.idpSession(),
                    s.created(), s.expires(), now));
        } catch (RuntimeException e) {
            // fail closed: a session that cannot be read is no session
            LOG.warn("cannot read a console session: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** Ends the session here and on every replica sharing the store. */
    void end(BrowserSession session) {
        store.delete(session.key());
    }

    /** Ends the sessions the identity provider ended (back-channel logout); the ones ended. */
    java.util.List<BrowserSession> endAtIdp(String method, String issuer, Optional<String> subject,
                                            Optional<String> idpSession) {
        return store.deleteAtIdp(method, issuer, subject, idpSession).stream().map(s -> new BrowserSession(s.key(),
                s.principal(), s.csrf(), s.method(), s.idpSession(), s.created(), s.expires(), s.lastUsed()))
                .toList();
    }

    int size() {
        return store.size();
    }

    static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }

    /** Constant-time comparison of two tokens. */
    static boolean same(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8),
                b.getBytes(StandardCharsets.UTF_8));
    }
}
