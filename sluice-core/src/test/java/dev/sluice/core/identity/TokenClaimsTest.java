package dev.sluice.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jwt.JWTClaimsSet;
import org.junit.jupiter.api.Test;

/** Claim checks and principal mapping, fed claim sets directly (signature checks are tested elsewhere). */
class TokenClaimsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");
    private static final IssuerSettings SETTINGS = new IssuerSettings(URI.create("https://idp.example"), "sluice",
            "groups");

    private static JWTClaimsSet.Builder claims(String subject) {
        return TestTokens.claims("https://idp.example", "sluice", subject, NOW);
    }

    private static Principal map(JWTClaimsSet.Builder claims) {
        return TokenClaims.toPrincipal(claims.build(), SETTINGS, NOW);
    }

    @Test
    void splitsGroupsGivenAsSpaceOrCommaSeparatedString() {
        assertThat(map(claims("alice").claim("groups", "dba, oncall  readers")).groups())
                .containsExactlyInAnyOrder("dba", "oncall", "readers");
    }

    @Test
    void treatsMissingGroupsClaimAsNoGroups() {
        assertThat(map(claims("alice")).groups()).isEmpty();
        Principal nested = TokenClaims.toPrincipal(claims("alice").claim("realm_access", "not-an-object").build(),
                new IssuerSettings(SETTINGS.issuer(), "sluice", "realm_access.roles"), NOW);
        assertThat(nested.groups()).isEmpty();
    }

    @Test
    void fallsBackThroughDisplayNameClaims() {
        assertThat(map(claims("u-1").claim("client_id", "cli").claim("azp", "azp")).displayName()).isEqualTo("cli");
        assertThat(map(claims("u-1").claim("azp", "azp")).displayName()).isEqualTo("azp");
        assertThat(map(claims("u-1")).displayName()).isEqualTo("u-1");
    }

    @Test
    void recognisesMachineTokensByEachProviderConvention() {
        assertThat(map(claims("svc").claim("client_id", "svc")).kind()).isEqualTo(Principal.Kind.MACHINE);
        assertThat(map(claims("svc").claim("azp", "svc")).kind()).isEqualTo(Principal.Kind.MACHINE);
        assertThat(map(claims("x@clients").claim("gty", "client-credentials")).kind())
                .isEqualTo(Principal.Kind.MACHINE);
        assertThat(map(claims("x").claim("grant_type", "client_credentials")).kind())
                .isEqualTo(Principal.Kind.MACHINE);
        assertThat(map(claims("oid-1").claim("idtyp", "app")).kind()).isEqualTo(Principal.Kind.MACHINE);
    }

    @Test
    void treatsUserTokenIssuedThroughAClientAsHuman() {
        assertThat(map(claims("alice").claim("client_id", "web-app").claim("azp", "web-app").claim("idtyp", "user"))
                .kind()).isEqualTo(Principal.Kind.HUMAN);
    }

    @Test
    void requiresExpiryAndSubject() {
        assertThatThrownBy(() -> map(claims("alice").expirationTime(null))).hasMessage("token has no expiry");
        assertThatThrownBy(() -> map(claims(null))).hasMessage("token has no subject");
    }

    @Test
    void acceptsAudienceListContainingConfiguredAudience() {
        assertThat(map(claims("alice").audience(List.of("api", "sluice"))).subject()).isEqualTo("alice");
        assertThatThrownBy(() -> map(claims("alice").audience(List.of()))).hasMessage("wrong audience");
    }

    @Test
    void honoursNotBeforeWithClockSkew() {
        assertThat(map(claims("alice").notBeforeTime(Date.from(NOW.plusSeconds(50)))).subject()).isEqualTo("alice");
        assertThatThrownBy(() -> map(claims("alice").notBeforeTime(Date.from(NOW.plus(Duration.ofSeconds(70))))))
                .hasMessage("token not yet valid");
    }

    @Test
    void rejectsMalformedOrEndlessActChain() {
        assertThatThrownBy(() -> map(claims("alice").claim("act", "agent"))).hasMessage("malformed act claim");
        assertThatThrownBy(() -> map(claims("alice").claim("act", Map.of("client_id", "x"))))
                .hasMessage("malformed act claim");
        Map<String, Object> chain = Map.of("sub", "a0");
        for (int i = 1; i <= 8; i++) {
            chain = Map.of("sub", "a" + i, "act", chain);
        }
        Map<String, Object> deep = chain;
        assertThatThrownBy(() -> map(claims("alice").claim("act", deep))).hasMessage("delegation chain too long");
    }

    @Test
    void refusesATokenLivingLongerThanTheIssuersMaximum() {
        Instant millennium = NOW.plus(Duration.ofDays(365_000));
        assertThatThrownBy(() -> map(claims("alice").issueTime(Date.from(NOW)).expirationTime(Date.from(millennium))))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("max-token-lifetime of 24h")
                .hasMessageContaining("365000d");
        // without iat, from nbf; without either, from now
        assertThatThrownBy(() -> map(claims("alice").issueTime(null).notBeforeTime(Date.from(NOW.minusSeconds(30)))
                .expirationTime(Date.from(NOW.plus(Duration.ofHours(25)))))).isInstanceOf(InvalidTokenException.class);
        assertThatThrownBy(() -> map(claims("alice").issueTime(null).notBeforeTime(null)
                .expirationTime(Date.from(NOW.plus(Duration.ofHours(25)))))).isInstanceOf(InvalidTokenException.class);
        assertThat(map(claims("alice").issueTime(Date.from(NOW)).expirationTime(Date.from(NOW.plus(
                Duration.ofHours(24))))).subject()).isEqualTo("alice");
        // a far-future iat does not hide a far-future exp
        assertThatThrownBy(() -> map(claims("alice").issueTime(Date.from(millennium.minusSeconds(60)))
                .expirationTime(Date.from(millennium)))).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("max-token-lifetime");
        IssuerSettings strict = new IssuerSettings(SETTINGS.issuer(), "sluice", "groups", Duration.ofMinutes(10));
        assertThatThrownBy(() -> TokenClaims.toPrincipal(claims("alice").issueTime(Date.from(NOW))
                .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(11)))).build(), strict, NOW))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("11m");
    }
}
