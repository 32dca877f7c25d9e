package dev.sluice.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompositeTokenVerifierTest {

    private final MutableClock clock = MutableClock.atNow();

    @Test
    void routesByIssuerClaim(@TempDir Path dataDir) {
        DevIssuer dev = DevIssuer.open(dataDir, clock);
        TokenVerifier other = token -> {
            throw new InvalidTokenException("other verifier was asked");
        };
        CompositeTokenVerifier composite = CompositeTokenVerifier.of(Map.of(
                "urn:sluice:dev", dev.verifier(), "https://idp.example.com", other));

        assertThat(composite.verify(dev.mint("alice", Set.of(), Duration.ofMinutes(5))).subject()).isEqualTo("alice");
    }

    @Test
    void refusesUnknownIssuer(@TempDir Path dataDir) throws Exception {
        CompositeTokenVerifier composite = CompositeTokenVerifier.of(Map.of(
                "urn:sluice:dev", DevIssuer.open(dataDir, clock).verifier()));
        String token = TestTokens.sign(TestTokens.rsaKey("k"), JWSAlgorithm.RS256,
                TestTokens.claims("https://elsewhere.example", "sluice", "alice", clock.instant()).build());

        assertThatThrownBy(() -> composite.verify(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessage("untrusted issuer");
    }

    @Test
    void refusesGarbageAsMalformed() {
        CompositeTokenVerifier composite = CompositeTokenVerifier.of(Map.of());

        assertThatThrownBy(() -> composite.verify("garbage")).isInstanceOf(InvalidTokenException.class)
                .hasMessage("malformed token");
    }

    @Test
    void forgedTokenRoutedByItsIssuerIsStillVerified(@TempDir Path dataDir) throws Exception {
        CompositeTokenVerifier composite = CompositeTokenVerifier.of(Map.of(
                "urn:sluice:dev", DevIssuer.open(dataDir, clock).verifier()));
        String forged = TestTokens.sign(TestTokens.rsaKey("k"), JWSAlgorithm.RS256,
                TestTokens.claims("urn:sluice:dev", "sluice", "mallory", clock.instant()).build());

        assertThatThrownBy(() -> composite.verify(forged)).hasMessage("unknown signing key");
    }
}
