package dev.sluice.core.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Remembers accepted tokens so that a client reconnecting with the same token skips signature verification.
 *
 * <p>Entries are keyed by the SHA-256 of the token (the token itself is not kept) and live until the token's
 * {@code exp} or {@link #DEFAULT_MAX_AGE} after acceptance, whichever comes first; each hit checks that deadline
 * again. Failures are never cached. Tokens without a readable {@code exp} are not cached. The cache holds at most
 * {@code maxEntries} entries and drops the least recently used one beyond that. Thread-safe; the lock covers only
 * map operations, never the delegate's verification.
 */
public final class CachingTokenVerifier implements TokenVerifier {

    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);

    private final TokenVerifier delegate;
    private final Clock clock;
    private final Duration maxAge;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, Cached> entries; // guarded by lock

    private CachingTokenVerifier(TokenVerifier delegate, Clock clock, int maxEntries, Duration maxAge) {
        this.delegate = delegate;
        this.clock = clock;
        this.maxAge = maxAge;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > maxEntries;
            }
        };
    }

    public static CachingTokenVerifier of(TokenVerifier delegate, Clock clock) {
        return of(delegate, clock, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_AGE);
    }

    public static CachingTokenVerifier of(TokenVerifier delegate, Clock clock, int maxEntries, Duration maxAge) {
        Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(clock, "clock");
        if (maxEntries < 1 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxEntries and maxAge must be positive");
        }
        return new CachingTokenVerifier(delegate, clock, maxEntries, maxAge);
    }

    @Override
    public Principal verify(String token) {
        Objects.requireNonNull(token, "token");
        String key = sha256(token);
        Instant now = clock.instant();
        Optional<Principal> cached = lookup(key, now);
        if (cached.isPresent()) {
            return cached.get();
        }
        Principal result = delegate.verify(token);
        expiry(token).map(exp -> earliest(exp, now.plus(maxAge))).filter(now::isBefore).ifPresent(until -> {
            lock.lock();
            try {
                entries.put(key, new Cached(result, until));
            } finally {
                lock.unlock();
            }
        });
        return result;
    }

    int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    private Optional<Principal> lookup(String key, Instant now) {
        lock.lock();
        try {
            Cached entry = entries.get(key);
            if (entry == null) {
                return Optional.empty();
            }
            if (!now.isBefore(entry.until())) {
                entries.remove(key);
                return Optional.empty();
            }
            return Optional.of(entry.principal());
        } finally {
            lock.unlock();
        }
    }

    /** The {@code exp} of a token the delegate just accepted. */
    private static Optional<Instant> expiry(String token) {
        try {
            return Optional.ofNullable(SignedTokens.claims(SignedTokens.parseAny(token)).getExpirationTime())
                    .map(Date::toInstant);
        } catch (InvalidTokenException e) {
            return Optional.empty();
        }
    }

    private static Instant earliest(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }

    private record Cached(Principal principal, Instant until) {
    }
}
