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
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.core.identity.Principal;

/**
 * Signed-in browsers. A session id is 32 random bytes (base64url) held only by the browser's HttpOnly cookie; the
 * map is keyed by its SHA-256, so a heap dump or log never yields a usable cookie. A session ends at its hard
 * lifetime, after the idle timeout, or at logout. At most {@link #MAX_SESSIONS}: a flood of sign-ins evicts the
 * expired first and then refuses new ones rather than growing. Thread-safe.
 */
final class BrowserSessions {
    static final int MAX_SESSIONS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConcurrentHashMap<String, BrowserSession> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    BrowserSessions(Clock clock) {
        this.clock = clock;
    }

    /**
     * A signed-in person.
     *
     * @param csrf    the token every state-changing request must carry (header {@code X-CSRF-Token} or form field
     *                {@code csrf})
     * @param method  how they signed in: {@code oidc} or {@code saml}
     */
    record BrowserSession(String key, Principal principal, String csrf, String method, Instant created,
                          Instant expires, Instant lastUsed) {
        BrowserSession touched(Instant now) {
            return new BrowserSession(key, principal, csrf, method, created, expires, now);
        }
    }

    /** A new session for {@code principal}; the returned cookie value is the only copy of its id. */
    Optional<String> create(Principal principal, String method, Duration lifetime) {
        Instant now = clock.instant();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().removeIf(s -> !now.isBefore(s.expires()));
            if (sessions.size() >= MAX_SESSIONS) {
                return Optional.empty();
            }
        }
        String result = random();
        String key = hash(result);
        sessions.put(key, new BrowserSession(key, principal, random(), method, now, now.plus(lifetime), now));
        return Optional.of(result);
    }

    /** The live session of this cookie value, touched; empty (and forgotten) when expired or idle too long. */
    Optional<BrowserSession> find(String cookie, Duration idle) {
        if (cookie == null || cookie.length() != 43) {
            return Optional.empty();
        }
        String key = hash(cookie);
        BrowserSession session = sessions.get(key);
        if (session == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (!now.isBefore(session.expires()) || !now.isBefore(session.lastUsed().plus(idle))) {
            sessions.remove(key);
            return Optional.empty();
        }
        BrowserSession result = session.touched(now);
        sessions.replace(key, session, result);
        return Optional.of(result);
    }

    void end(BrowserSession session) {
        sessions.remove(session.key());
    }

    int size() {
        return sessions.size();
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
