package dev.sluice.core.identity;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Verifies OpenID Connect access tokens (signed JWTs) from a fixed set of trusted issuers.
 *
 * <p>Each issuer's keys are found lazily through {@code {issuer}/.well-known/openid-configuration} (whose
 * {@code issuer} must equal the configured one) and its {@code jwks_uri}, then cached; see {@link RemoteKeys}
 * for refetching, rate limits and fail-closed behaviour. Issuers must use https; plain http is allowed only on a
 * loopback host (127.0.0.0/8, ::1, localhost), for development and tests.
 *
 * <p>A token is accepted only when: its algorithm is RS256, PS256, ES256 or EdDSA ({@code none} and HMAC are
 * refused); its {@code iss} is a configured issuer; its signature verifies with a key from that issuer's key set;
 * {@code exp} is present and not past; {@code nbf}, when present, is not in the future; both with
 * 60 s of clock skew; and {@code aud} contains the configured audience. The principal is
 * mapped as described in {@link TokenClaims}, including how machine (client credentials) tokens are recognised:
 * {@code sub} equals {@code client_id} or {@code azp}, or {@code grant_type}/{@code gty} is client credentials, or
 * {@code idtyp}/{@code typ} is {@code app}.
 *
 * <p>Thread-safe; meant to be shared by every connection.
 */
public final class OidcTokenVerifier implements TokenVerifier {

    private final Map<String, JwtVerifier> byIssuer;

    private OidcTokenVerifier(Map<String, JwtVerifier> byIssuer) {
        this.byIssuer = Map.copyOf(byIssuer);
    }

    /**
     * Creates a verifier; nothing is fetched until the first token of each issuer arrives.
     *
     * @throws IssuerSettingsException when an issuer is not https (or http on loopback) or is listed twice
     */
    public static OidcTokenVerifier create(List<IssuerSettings> issuers, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        HttpJson http = HttpJson.create();
        Map<String, JwtVerifier> result = new LinkedHashMap<>();
        for (IssuerSettings settings : issuers) {
            if (!Transport.allowed(settings.issuer())) {
                throw new IssuerSettingsException("issuer must use https (plain http only on a loopback host): "
                        + settings.issuer());
            }
            String key = settings.issuer().toString();
            if (result.containsKey(key)) {
                throw new IssuerSettingsException("issuer configured twice: " + key);
            }
            result.put(key, new JwtVerifier(settings, new RemoteKeys(settings.issuer(), http, clock), clock));
        }
        return new OidcTokenVerifier(result);
    }

    @Override
    public Principal verify(String token) {
        Objects.requireNonNull(token, "token");
        SignedJWT jwt = SignedTokens.parse(token);
        JWTClaimsSet claims = SignedTokens.claims(jwt);
        JwtVerifier verifier = Optional.ofNullable(claims.getIssuer()).map(byIssuer::get)
                .orElseThrow(() -> new InvalidTokenException("untrusted issuer"));
        return verifier.verify(jwt, claims);
    }
}
