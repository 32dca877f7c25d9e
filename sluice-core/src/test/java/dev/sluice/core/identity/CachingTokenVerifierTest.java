package dev.sluice.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingTokenVerifierTest {

    @TempDir
    Path dataDir;

    private final MutableClock clock = MutableClock.atNow();
    private final AtomicInteger delegateCalls = new AtomicInteger();
    private DevIssuer issuer;
    private TokenVerifier counting;

    @BeforeEach
    void setUp() {
        issuer = DevIssuer.open(dataDir, clock);
        counting = token -> {
            delegateCalls.incrementAndGet();
            return issuer.verifier().verify(token);
        };
    }

    @Test
    void answersRepeatedTokenFromCache() {
        CachingTokenVerifier cache = CachingTokenVerifier.of(counting, clock);
        String token = issuer.mint("alice", Set.of("dba"), Duration.ofHours(1));

        Principal first = cache.verify(token);
        Principal second = cache.verify(token);

        assertThat(second).isEqualTo(first);
        assertThat(delegateCalls).hasValue(1);
    }

    @Test
    void rechecksExpiryOnHit() {
        CachingTokenVerifier cache = CachingTokenVerifier.of(counting, clock);
        String token = issuer.mint("alice", Set.of(), Duration.ofMinutes(2));
        cache.verify(token);

        clock.advance(Duration.ofMinutes(2).plusSeconds(TokenClaims.CLOCK_SKEW.toSeconds() + 1));

        assertThatThrownBy(() -> cache.verify(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessage("token expired");
        assertThat(delegateCalls).hasValue(2);
    }

    @Test
    void keepsEntriesAtMostMaxAge() {
        CachingTokenVerifier cache = CachingTokenVerifier.of(counting, clock);
        String token = issuer.mint("alice", Set.of(), Duration.ofHours(1));
        cache.verify(token);

        clock.advance(CachingTokenVerifier.DEFAULT_MAX_AGE.plusSeconds(1));
        cache.verify(token);

        assertThat(delegateCalls).hasValue(2);
    }

    @Test
    void neverCachesFailures() {
        CachingTokenVerifier cache = CachingTokenVerifier.of(counting, clock);

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> cache.verify("garbage")).hasMessage("malformed token");
        }

        assertThat(delegateCalls).hasValue(3);
        assertThat(cache.size()).isZero();
    }

    @Test
    void boundsItsSizeByEvictingLeastRecentlyUsed() {
        CachingTokenVerifier cache = CachingTokenVerifier.of(counting, clock, 2, Duration.ofMinutes(5));
        String a = issuer.mint("a", Set.of(), Duration.ofHours(1));
        String b = issuer.mint("b", Set.of(), Duration.ofHours(1));
        String c = issuer.mint("c", Set.of(), Duration.ofHours(1));

        cache.verify(a);
        cache.verify(b);
        cache.verify(a);
        cache.verify(c);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(delegateCalls).hasValue(3);

        cache.verify(a);
        assertThat(delegateCalls).hasValue(3);
        cache.verify(b);
        assertThat(delegateCalls).hasValue(4);
    }
}
