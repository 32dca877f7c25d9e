package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OidcProviderTest {
    private static OidcProvider oidc;

    @BeforeAll
    static void start() {
        oidc = OidcProvider.start();
    }

    @AfterAll
    static void stop() {
        oidc.close();
    }

    /** Parses the token and checks its signature against the key the issuer publishes over HTTP. */
    private static JWTClaimsSet verified(String issuerId, String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        JWKSet keys = JWKSet.load(oidc.jwksUri(issuerId).toURL());
        RSAKey key = (RSAKey) keys.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).as("published key for " + jwt.getHeader().getKeyID()).isNotNull();
        assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
        return jwt.getJWTClaimsSet();
    }

    @Test
    void publishesDiscoveryForEachIssuer() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                oidc.issuer("default").resolve("default/.well-known/openid-configuration")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"issuer\"").contains(oidc.issuer("default").toString());
        assertThat(oidc.issuer("other")).isNotEqualTo(oidc.issuer("default"));
    }

    @Test
    void issuesUserTokensWithGroupsAudienceAndLifetime() throws Exception {
        String token = oidc.userToken("default", "alice", "sluice", List.of("dba", "oncall"), Duration.ofMinutes(5));

        JWTClaimsSet claims = verified("default", token);
        assertThat(claims.getIssuer()).isEqualTo(oidc.issuer("default").toString());
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getAudience()).containsExactly("sluice");
        assertThat(claims.getStringListClaim("groups")).containsExactly("dba", "oncall");
        assertThat(claims.getExpirationTime().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofMinutes(5)), org.assertj.core.api.Assertions.within(10, ChronoUnit.SECONDS));
    }

    @Test
    void negativeTtlGivesAnExpiredToken() throws Exception {
        JWTClaimsSet claims = verified("default",
                oidc.userToken("default", "bob", "sluice", List.of(), Duration.ofMinutes(-1)));

        assertThat(claims.getExpirationTime().toInstant()).isBefore(Instant.now());
    }

    @Test
    void fetchesMachineTokensWithClientCredentials() throws Exception {
        String token = oidc.machineToken("agents", "agent-42", "sluice", List.of("readers"));

        JWTClaimsSet claims = verified("agents", token);
        assertThat(claims.getIssuer()).isEqualTo(oidc.issuer("agents").toString());
        assertThat(claims.getSubject()).isEqualTo("agent-42");
        assertThat(claims.getAudience()).containsExactly("sluice");
        assertThat(claims.getStringListClaim("groups")).containsExactly("readers");
        assertThat(tokenRequestBody()).contains("grant_type=client_credentials", "client_id=agent-42");
    }

    private static String tokenRequestBody() {
        for (var request = oidc.server().takeRequest(2, java.util.concurrent.TimeUnit.SECONDS); request != null;
                request = oidc.server().takeRequest(2, java.util.concurrent.TimeUnit.SECONDS)) {
            if (request.getPath().endsWith("/token")) {
                return request.getBody().readUtf8();
            }
        }
        return "(no token request recorded)";
    }

    @Test
    void delegatedTokensNameTheActor() throws Exception {
        JWTClaimsSet claims = verified("default",
                oidc.delegatedToken("default", "alice", "agent-7", "sluice", List.of("dba")));

        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getJSONObjectClaim("act")).isEqualTo(Map.of("sub", "agent-7"));
        assertThat(claims.getStringListClaim("groups")).containsExactly("dba");
    }

    @Test
    void customTokensCarryClaimsAndNotBefore() throws Exception {
        Instant later = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

        JWTClaimsSet claims = verified("default", oidc.token("default", "carol", "sluice",
                Map.of("tenant", "acme", "scope", "db:read"), Duration.ofHours(2), later));

        assertThat(claims.getNotBeforeTime().toInstant()).isEqualTo(later);
        assertThat(claims.getStringClaim("tenant")).isEqualTo("acme");
        assertThat(claims.getStringClaim("scope")).isEqualTo("db:read");
    }

    @Test
    void tokensFromAnotherIssuerDoNotVerifyWithThisIssuersKeys() throws Exception {
        SignedJWT foreign = SignedJWT.parse(oidc.userToken("other", "eve", "sluice", List.of(), Duration.ofMinutes(5)));
        JWKSet keys = JWKSet.load(oidc.jwksUri("default").toURL());

        RSAKey key = keys.getKeys().getFirst().toRSAKey();
        assertThat(foreign.verify(new RSASSAVerifier(key))).isFalse();
    }
}
