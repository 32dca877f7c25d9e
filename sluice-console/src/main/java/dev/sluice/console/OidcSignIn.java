package dev.sluice.console;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import com.nimbusds.openid.connect.sdk.validators.LogoutTokenValidator;

import dev.sluice.core.config.ConsoleSettings.PeopleOidc;
import dev.sluice.core.identity.Principal;

/**
 * OpenID Connect sign-in for people: authorization code flow with PKCE (S256), {@code state} and {@code nonce},
 * against the configured issuer found by discovery. The ID token's signature (the issuer's JWKS), issuer, audience
 * (the client id), expiry and nonce are checked by Nimbus' {@link IDTokenValidator}; groups come from the configured
 * claim. Discovery is cached per configuration and retried after a failure. Thread-safe.
 */
final class OidcSignIn {
    private static final int TIMEOUT_MS = 5_000;
    static final int MAX_GROUPS = 256;

    private final PeopleOidc settings;
    private final ReentrantLock lock = new ReentrantLock();
    private Optional<Discovered> discovered = Optional.empty();

    private record Discovered(OIDCProviderMetadata metadata, IDTokenValidator validator,
                              LogoutTokenValidator logouts) {
    }

    /** A verified sign-in: the person, and the provider's session id ({@code sid}; {@code ""} when none). */
    record Verified(Principal person, String sid) {
    }

    /** A verified back-channel logout: whose sessions end (a subject, a provider session, or both). */
    record Logout(String issuer, Optional<String> subject, Optional<String> sid) {
    }

    static final int MAX_LOGOUT_TOKEN_CHARS = 16 * 1024;

    OidcSignIn(PeopleOidc settings) {
        this.settings = settings;
    }

    PeopleOidc settings() {
        return settings;
    }

    /** The authorization request the browser is sent to. */
    URI authorizationUrl(URI redirect, String state, String nonce, String verifier) {
        OIDCProviderMetadata metadata = discover().metadata();
        return new AuthenticationRequest.Builder(ResponseType.CODE, Scope.parse(settings.scopes()),
                new ClientID(settings.clientId()), redirect)
                .endpointURI(metadata.getAuthorizationEndpointURI())
                .state(new State(state))
                .nonce(new Nonce(nonce))
                .codeChallenge(new CodeVerifier(verifier), CodeChallengeMethod.S256)
                .build().toURI();
    }

    /**
     * Where to send the browser to end the provider's session too (RP-initiated logout): the discovery document's
     * {@code end_session_endpoint} with the client id and {@code postLogout} as where to come back; empty when the
     * provider offers none. No ID token is kept to send as {@code id_token_hint}, so the provider may ask the person
     * to confirm.
     */
    Optional<URI> logoutUrl(URI postLogout) {
        URI endpoint = discover().metadata().getEndSessionEndpointURI();
        if (endpoint == null) {
            return Optional.empty();
        }
        String target = endpoint.toString();
        return Optional.of(URI.create(target + (target.contains("?") ? "&" : "?") + "client_id="
                + encode(settings.clientId()) + "&post_logout_redirect_uri=" + encode(postLogout.toString())));
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Redeems {@code code} and verifies the ID token.
     *
     * @throws SignInException when the issuer refuses the code or the token does not verify
     */
    Verified redeem(String code, URI redirect, String nonce, String verifier) {
        Discovered current = discover();
        ClientAuthentication auth = new ClientSecretBasic(new ClientID(settings.clientId()),
                new Secret(settings.clientSecret().reveal()));
        TokenRequest request = new TokenRequest(current.metadata().getTokenEndpointURI(), auth,
                new AuthorizationCodeGrant(new AuthorizationCode(code), redirect, new CodeVerifier(verifier)));
        TokenResponse response;
        try {
            HTTPRequest http = request.toHTTPRequest();
            http.setConnectTimeout(TIMEOUT_MS);
            http.setReadTimeout(TIMEOUT_MS);
            response = OIDCTokenResponseParser.parse(http.send());
        } catch (IOException | ParseException e) {
            throw new SignInException("the identity provider's token endpoint could not be used", e);
        }
        if (!response.indicatesSuccess()) {
            throw new SignInException("the identity provider refused the sign-in: "
                    + response.toErrorResponse().getErrorObject().getCode());
        }
        JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
        IDTokenClaimsSet claims;
        try {
            claims = current.validator().validate(idToken, new Nonce(nonce));
        } catch (BadJOSEException | JOSEException e) {
            throw new SignInException("the ID token did not verify: " + e.getMessage(), e);
        }
        String sid = claims.getStringClaim("sid");
        return new Verified(principal(claims), sid == null || sid.length() > 256 ? "" : sid);
    }

    /**
     * Verifies an OIDC back-channel logout token (signature by the issuer's JWKS, issuer, audience the client id,
     * the back-channel logout event, a {@code sub} or {@code sid}, no {@code nonce}).
     *
     * @throws SignInException when it does not verify
     */
    Logout logout(String token) {
        if (token.isEmpty() || token.length() > MAX_LOGOUT_TOKEN_CHARS) {
            throw new SignInException("no logout token, or one longer than " + MAX_LOGOUT_TOKEN_CHARS + " characters");
        }
        Discovered current = discover();
        try {
            var claims = current.logouts().validate(com.nimbusds.jwt.JWTParser.parse(token));
            return new Logout(claims.getIssuer().getValue(), Optional.ofNullable(claims.getSubject())
                    .map(s -> s.getValue()), Optional.ofNullable(claims.getSessionID()).map(s -> s.getValue()));
        } catch (java.text.ParseException | BadJOSEException | JOSEException e) {
            throw new SignInException("the logout token did not verify: " + e.getMessage(), e);
        }
    }

    private Principal principal(IDTokenClaimsSet claims) {
        String subject = claims.getSubject().getValue();
        String name = firstText(claims.getStringClaim("preferred_username"), claims.getStringClaim("email"),
                claims.getStringClaim("name")).orElse(subject);
        return new Principal(claims.getIssuer().getValue(), subject, name, groups(claims.getClaim(
                settings.groupsClaim())), Principal.Kind.HUMAN, List.of());
    }

    /** A list of strings, or one string with groups separated by spaces or commas; anything else is no group. */
    static Set<String> groups(Object claim) {
        Set<String> result = new LinkedHashSet<>();
        if (claim instanceof Collection<?> values) {
            values.stream().filter(String.class::isInstance).map(String.class::cast).map(String::strip)
                    .filter(s -> !s.isEmpty()).limit(MAX_GROUPS).forEach(result::add);
        } else if (claim instanceof String text) {
            for (String part : text.split("[\\s,]+")) {
                if (!part.isEmpty() && result.size() < MAX_GROUPS) {
                    result.add(part);
                }
            }
        }
        return result;
    }

    private static Optional<String> firstText(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return Optional.of(value.strip());
            }
        }
        return Optional.empty();
    }

    private Discovered discover() {
        lock.lock();
        try {
            if (discovered.isPresent()) {
                return discovered.get();
            }
            OIDCProviderMetadata metadata = OIDCProviderMetadata.resolve(new Issuer(settings.issuer().toString()),
                    TIMEOUT_MS, TIMEOUT_MS);
            if (!metadata.getIssuer().getValue().equals(settings.issuer().toString())) {
                throw new SignInException("the discovery document names another issuer");
            }
            URL jwks = metadata.getJWKSetURI().toURL();
            IDTokenValidator validator = new IDTokenValidator(metadata.getIssuer(),
                    new ClientID(settings.clientId()), JWSAlgorithm.RS256, jwks);
            validator.setMaxClockSkew(60);
            Discovered result = new Discovered(metadata, validator, new LogoutTokenValidator(metadata.getIssuer(),
                    new ClientID(settings.clientId()), JWSAlgorithm.RS256, jwks));
            discovered = Optional.of(result);
            return result;
        } catch (IOException | com.nimbusds.oauth2.sdk.GeneralException | RuntimeException e) {
            if (e instanceof SignInException s) {
                throw s;
            }
            throw new SignInException("the identity provider " + settings.issuer() + " cannot be reached", e);
        } finally {
            lock.unlock();
        }
    }

}
