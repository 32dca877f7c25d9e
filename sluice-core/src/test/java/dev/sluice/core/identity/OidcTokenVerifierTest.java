package dev.sluice.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.TokenRequest;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OidcTokenVerifierTest {

    private static final String AUDIENCE = "sluice";
    private static MockOAuth2Server server;

    private MutableClock clock;
    private OidcTokenVerifier verifier;

    @BeforeAll
    static void startProvider() {
        server = new MockOAuth2Server();
        server.start();
    }

    @AfterAll
    static void stopProvider() {
        server.shutdown();
    }

    @BeforeEach
    void createVerifier() {
        clock = MutableClock.atNow();
        verifier = OidcTokenVerifier.create(List.of(new IssuerSettings(issuer(), AUDIENCE, "groups")), clock);
    }

    private static URI issuer() {
        return server.issuerUrl("default").uri();
    }

    private static String userToken(Map<String, Object> claims) {
        return server.issueToken("default", "alice", AUDIENCE, claims).serialize();
    }

    @Test
    void acceptsUserTokenWithGroups() {
        Principal principal = verifier.verify(userToken(Map.of("groups", List.of("dba", "oncall"),
                "preferred_username", "alice.a")));

        assertThat(principal.issuer()).isEqualTo(issuer().toString());
        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.displayName()).isEqualTo("alice.a");
        assertThat(principal.groups()).containsExactlyInAnyOrder("dba", "oncall");
        assertThat(principal.kind()).isEqualTo(Principal.Kind.HUMAN);
        assertThat(principal.actors()).isEmpty();
    }

    @Test
    void readsGroupsFromNestedClaimPath() {
        OidcTokenVerifier keycloakStyle = OidcTokenVerifier.create(
                List.of(new IssuerSettings(issuer(), AUDIENCE, "realm_access.roles")), clock);

        Principal principal = keycloakStyle.verify(userToken(Map.of("realm_access",
                Map.of("roles", List.of("admin", "reader")))));

        assertThat(principal.groups()).containsExactlyInAnyOrder("admin", "reader");
    }

    /** Adds the RFC 9068 {@code client_id} claim, which this provider leaves out but real providers send. */
    private static final class Rfc9068Claims extends DefaultOAuth2TokenCallback {
        Rfc9068Claims() {
            super("default");
        }

        @Override
        public Map<String, Object> addClaims(TokenRequest request) {
            Map<String, Object> result = new HashMap<>(super.addClaims(request));
            result.put("client_id", request.getClientAuthentication().getClientID().getValue());
            return result;
        }
    }

    @Test
    void recognisesClientCredentialsTokenFromTokenEndpointAsMachine() throws Exception {
        server.enqueueCallback(new Rfc9068Claims());
        String form = "grant_type=client_credentials&client_id=agent-42&client_secret=not-checked&scope=" + AUDIENCE;
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newHttpClient()) {
            response = http.send(HttpRequest.newBuilder(server.tokenEndpointUrl("default").uri())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        }
        assertThat(response.statusCode()).isEqualTo(200);
        String accessToken = new ObjectMapper().readTree(response.body()).get("access_token").asText();

        Principal principal = verifier.verify(accessToken);

        assertThat(principal.kind()).isEqualTo(Principal.Kind.MACHINE);
        assertThat(principal.subject()).isEqualTo("agent-42");
        assertThat(principal.displayName()).isEqualTo("agent-42");
    }

    @Test
    void mapsNestedActClaimToActorChainOutermostFirst() {
        Map<String, Object> act = Map.of("sub", "agent-7", "client_id", "claude-agent",
                "act", Map.of("sub", "orchestrator"));

        Principal principal = verifier.verify(userToken(Map.of("act", act)));

        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.delegated()).isTrue();
        assertThat(principal.actors()).containsExactly(new Principal.Actor("agent-7", "claude-agent"),
                new Principal.Actor("orchestrator", ""));
    }

    @Test
    void rejectsExpiredToken() {
        String token = server.issueToken("default", "alice", AUDIENCE, Map.of(), 30).serialize();
        clock.advance(Duration.ofSeconds(30 + 61));

        assertRefused(token, "token expired");
    }

    @Test
    void acceptsTokenExpiredWithinClockSkew() {
        String token = server.issueToken("default", "alice", AUDIENCE, Map.of(), 30).serialize();
        clock.advance(Duration.ofSeconds(30 + 50));

        assertThat(verifier.verify(token).subject()).isEqualTo("alice");
    }

    @Test
    void rejectsTokenNotYetValid() throws Exception {
        long inFiveMinutes = Instant.now().plusSeconds(300).getEpochSecond();
        String token = userToken(Map.of("nbf", inFiveMinutes));
        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getNotBeforeTime())
                .isAfter(Date.from(clock.instant().plusSeconds(60)));

        assertRefused(token, "token not yet valid");
    }

    @Test
    void rejectsWrongAudience() {
        assertRefused(server.issueToken("default", "alice", "some-other-api", Map.of()).serialize(),
                "wrong audience");
    }

    @Test
    void rejectsTokenFromAnotherIssuerOfTheSameProvider() {
        assertRefused(server.issueToken("other", "alice", AUDIENCE, Map.of()).serialize(), "untrusted issuer");
    }

    @Test
    void rejectsUnsignedToken() {
        String token = new PlainJWT(new PlainHeader(),
                TestTokens.claims(issuer().toString(), AUDIENCE, "alice", clock.instant()).build()).serialize();

        assertRefused(token, "unsupported algorithm none");
    }

    @Test
    void rejectsHs256SignedWithTheIssuersPublicKey() throws Exception {
        RSAKey published = JWKSet.load(server.jwksUrl("default").url()).getKeys().getFirst().toRSAKey();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID())
                .build(), TestTokens.claims(issuer().toString(), AUDIENCE, "mallory", clock.instant()).build());
        forged.sign(new MACSigner(published.toRSAPublicKey().getEncoded()));

        assertRefused(forged.serialize(), "unsupported algorithm HS256");
    }

    @Test
    void rejectsTokenSignedWithKeyNotInJwks() throws Exception {
        String token = TestTokens.sign(TestTokens.rsaKey("rogue-key"), JWSAlgorithm.RS256,
                TestTokens.claims(issuer().toString(), AUDIENCE, "mallory", clock.instant()).build());

        assertRefused(token, "unknown signing key");
    }

    @Test
    void rejectsTokenWhosePayloadWasAltered() {
        String[] parts = userToken(Map.of("groups", List.of("reader"))).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"reader\"", "\"dba\"");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

        assertRefused(tampered, "signature invalid");
    }

    @Test
    void rejectsGarbage() {
        assertRefused("this is not a token", "malformed token");
        assertRefused("a.b.c", "malformed token");
        assertRefused("", "malformed token");
        assertRefused("x".repeat(SignedTokens.MAX_TOKEN_CHARS + 1), "malformed token");
    }

    @Test
    void rejectsDeeplyNestedPayloadWithoutCrashing() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}")
                .getBytes(StandardCharsets.UTF_8));
        String token = header + "." + payload + ".c2ln";

        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void refusesPlainHttpIssuerOnPublicHost() {
        for (String issuer : List.of("http://idp.example.com/realms/x", "http://10.0.0.1/x", "ftp://localhost/x")) {
            assertThatThrownBy(() -> OidcTokenVerifier.create(
                    List.of(new IssuerSettings(URI.create(issuer), AUDIENCE, "groups")), clock))
                    .isInstanceOf(IssuerSettingsException.class).hasMessageContaining("https");
        }
    }

    @Test
    void allowsPlainHttpIssuerOnLoopbackHosts() {
        for (String issuer : List.of("http://localhost:8080/a", "http://127.0.0.2/b", "http://[::1]:9000/c",
                "https://idp.example.com/d")) {
            OidcTokenVerifier.create(List.of(new IssuerSettings(URI.create(issuer), AUDIENCE, "groups")), clock);
        }
    }

    private void assertRefused(String token, String reason) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOf(InvalidTokenException.class)
                .hasMessage(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token.isEmpty() ? "\0" : token));
    }
}
