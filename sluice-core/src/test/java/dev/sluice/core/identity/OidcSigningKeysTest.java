package dev.sluice.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.http.OAuth2HttpResponse;
import no.nav.security.mock.oauth2.http.OAuth2HttpRouterKt;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key discovery, rotation, rate limits and failure handling. The provider's discovery documents are real; the
 * "rotating" issuer's key set is served from a route the test controls, so keys can be rotated.
 */
class OidcSigningKeysTest {

    private static final String AUDIENCE = "sluice";

    private final AtomicReference<JWKSet> publishedKeys = new AtomicReference<>(new JWKSet());
    private final AtomicInteger keySetRequests = new AtomicInteger();
    private final AtomicBoolean keySetBroken = new AtomicBoolean();
    private MockOAuth2Server server;
    private MutableClock clock;

    @BeforeEach
    void startProvider() {
        server = new MockOAuth2Server(
                OAuth2HttpRouterKt.get("/rotating/jwks", request -> {
                    keySetRequests.incrementAndGet();
                    return keySetBroken.get() ? json(503, "{}")
                            : json(200, publishedKeys.get().toPublicJWKSet().toString());
                }),
                OAuth2HttpRouterKt.get("/liar/.well-known/openid-configuration", request -> json(200,
                        "{\"issuer\":\"https://evil.example\",\"jwks_uri\":\"" + server.jwksUrl("liar") + "\"}")));
        server.start();
        clock = MutableClock.atNow();
    }

    @AfterEach
    void stopProvider() {
        server.shutdown();
    }

    private static OAuth2HttpResponse json(int status, String body) {
        return new OAuth2HttpResponse(Headers.of("Content-Type", "application/json"), status, body, null);
    }

    private String rotatingIssuer() {
        return server.issuerUrl("rotating").toString();
    }

    private OidcTokenVerifier verifierFor(String issuer) {
        return OidcTokenVerifier.create(List.of(new IssuerSettings(URI.create(issuer), AUDIENCE, "groups")), clock);
    }

    private String tokenSignedBy(JWK key, JWSAlgorithm alg, String subject) throws Exception {
        return TestTokens.sign(key, alg, TestTokens.claims(rotatingIssuer(), AUDIENCE, subject, clock.instant())
                .build());
    }

    @Test
    void picksUpRotatedKeyOnceRateLimitAllows() throws Exception {
        RSAKey first = TestTokens.rsaKey("key-1");
        RSAKey second = TestTokens.rsaKey("key-2");
        publishedKeys.set(new JWKSet(first));
        OidcTokenVerifier verifier = verifierFor(rotatingIssuer());
        assertThat(verifier.verify(tokenSignedBy(first, JWSAlgorithm.RS256, "alice")).subject()).isEqualTo("alice");

        publishedKeys.set(new JWKSet(second));
        String signedByNewKey = tokenSignedBy(second, JWSAlgorithm.RS256, "bob");
        assertThatThrownBy(() -> verifier.verify(signedByNewKey)).hasMessage("unknown signing key");
        assertThat(keySetRequests).hasValue(1);

        clock.advance(RemoteKeys.MIN_REFETCH_INTERVAL.plusSeconds(1));
        assertThat(verifier.verify(signedByNewKey).subject()).isEqualTo("bob");
        assertThat(keySetRequests).hasValue(2);
    }

    @Test
    void refetchesKeysForUnknownKidAtMostOncePerInterval() throws Exception {
        OidcTokenVerifier verifier = verifierFor(server.issuerUrl("default").toString());
        verifier.verify(server.issueToken("default", "alice", AUDIENCE, Map.of()).serialize());
        String rogue = TestTokens.sign(TestTokens.rsaKey("rogue"), JWSAlgorithm.RS256,
                TestTokens.claims(server.issuerUrl("default").toString(), AUDIENCE, "mallory", clock.instant())
                        .build());
        assertThat(drainKeySetRequests()).isEqualTo(1);

        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> verifier.verify(rogue)).hasMessage("unknown signing key");
        }
        assertThat(drainKeySetRequests()).isZero();

        clock.advance(Duration.ofSeconds(31));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> verifier.verify(rogue)).hasMessage("unknown signing key");
        }
        assertThat(drainKeySetRequests()).isEqualTo(1);
    }

    /** Counts the JWKS requests the provider received since the last call. */
    private int drainKeySetRequests() {
        int result = 0;
        while (true) {
            try {
                if (server.takeRequest(200, TimeUnit.MILLISECONDS).getPath().endsWith("/jwks")) {
                    result++;
                }
            } catch (RuntimeException noMoreRequests) {
                return result;
            }
        }
    }

    @Test
    void fetchesKeysOnceWhenManyThreadsVerifyAtFirstUse() throws Exception {
        RSAKey key = TestTokens.rsaKey("key-1");
        publishedKeys.set(new JWKSet(key));
        OidcTokenVerifier verifier = verifierFor(rotatingIssuer());
        String token = tokenSignedBy(key, JWSAlgorithm.RS256, "alice");
        List<Callable<Principal>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            calls.add(() -> verifier.verify(token));
        }

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Principal> result : threads.invokeAll(calls)) {
                assertThat(result.get().subject()).isEqualTo("alice");
            }
        }
        assertThat(keySetRequests).hasValue(1);
    }

    @Test
    void acceptsEs256Ps256AndEdDsaSignatures() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
        RSAKey rsa = TestTokens.rsaKey("rsa");
        TestTokens.Ed25519Key ed = TestTokens.Ed25519Key.generate("ed");
        publishedKeys.set(new JWKSet(List.of(ec, rsa, ed.jwk())));
        OidcTokenVerifier verifier = verifierFor(rotatingIssuer());

        assertThat(verifier.verify(tokenSignedBy(ec, JWSAlgorithm.ES256, "ec-user")).subject()).isEqualTo("ec-user");
        assertThat(verifier.verify(tokenSignedBy(rsa, JWSAlgorithm.PS256, "ps-user")).subject()).isEqualTo("ps-user");
        String edToken = ed.sign(TestTokens.claims(rotatingIssuer(), AUDIENCE, "ed-user", clock.instant()).build());
        assertThat(verifier.verify(edToken).subject()).isEqualTo("ed-user");

        String edTampered = edToken.substring(0, edToken.length() - 4)
                + (edToken.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThatThrownBy(() -> verifier.verify(edTampered)).hasMessage("signature invalid");
    }

    @Test
    void rejectsKeyOfWrongTypeForTheAlgorithm() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("shared-kid").generate();
        RSAKey rsa = TestTokens.rsaKey("shared-kid");
        publishedKeys.set(new JWKSet(ec));
        OidcTokenVerifier verifier = verifierFor(rotatingIssuer());

        assertThatThrownBy(() -> verifier.verify(tokenSignedBy(rsa, JWSAlgorithm.RS256, "alice")))
                .hasMessage("unknown signing key");
    }

    @Test
    void failsClosedWhenProviderIsUnreachable() throws Exception {
        OidcTokenVerifier verifier = verifierFor("http://127.0.0.1:1/gone");
        String token = TestTokens.sign(TestTokens.rsaKey("k"), JWSAlgorithm.RS256,
                TestTokens.claims("http://127.0.0.1:1/gone", AUDIENCE, "alice", clock.instant()).build());

        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessage("identity provider unavailable: discovery fetch failed (ConnectException)");
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessageStartingWith("identity provider unavailable");
    }

    @Test
    void failsClosedWhenDiscoveryNamesAnotherIssuer() throws Exception {
        String issuer = server.issuerUrl("liar").toString();
        OidcTokenVerifier verifier = verifierFor(issuer);
        String token = TestTokens.sign(TestTokens.rsaKey("k"), JWSAlgorithm.RS256,
                TestTokens.claims(issuer, AUDIENCE, "alice", clock.instant()).build());

        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessage("identity provider unavailable: discovery document names a different issuer");
    }

    @Test
    void failsClosedWhenKeySetCannotBeFetched() throws Exception {
        RSAKey key = TestTokens.rsaKey("key-1");
        keySetBroken.set(true);
        OidcTokenVerifier verifier = verifierFor(rotatingIssuer());

        assertThatThrownBy(() -> verifier.verify(tokenSignedBy(key, JWSAlgorithm.RS256, "alice")))
                .isInstanceOf(InvalidTokenException.class)
                .hasMessage("identity provider unavailable: JWKS returned HTTP 503");
    }

    @Test
    void stopsTrustingCachedKeysWhenTooOldAndProviderIsDown() throws Exception {
        RSAKey key = TestTokens.rsaKey("key-1");
        publishedKeys.set(new JWKSet(key));
        OidcTokenVerifier verifier = verifierFor(rotatingIssuer());
        verifier.verify(tokenSignedBy(key, JWSAlgorithm.RS256, "alice"));

        keySetBroken.set(true);
        clock.advance(RemoteKeys.MAX_KEY_AGE.plusSeconds(1));
        String token = tokenSignedBy(key, JWSAlgorithm.RS256, "alice");

        assertThatThrownBy(() -> verifier.verify(token))
                .hasMessage("identity provider unavailable: JWKS returned HTTP 503");
        keySetBroken.set(false);
        clock.advance(RemoteKeys.RETRY_AFTER_FAILURE);
        assertThat(verifier.verify(token).subject()).isEqualTo("alice");
    }
}
