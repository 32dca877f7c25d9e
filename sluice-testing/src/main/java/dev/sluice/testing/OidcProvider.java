package dev.sluice.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import com.nimbusds.jose.util.JSONObjectUtils;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * A real OpenID Connect provider for tests: {@code mock-oauth2-server} on 127.0.0.1 with discovery, JWKS and
 * a token endpoint per issuer id (any id works; {@code "default"} is customary). Tokens are RS256 JWTs signed
 * with the issuer's key, with {@code iss} = {@link #issuer(String)} and group membership in {@code groups}.
 * Thread-safe.
 */
public final class OidcProvider implements AutoCloseable {
    private static final String CLIENT_ID = "sluice-tests";
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

    private final MockOAuth2Server server;
    private final HttpClient http;
    // mock-oauth2-server applies an enqueued callback to the next token request: one request at a time
    private final ReentrantLock tokenRequestLock = new ReentrantLock();

    private OidcProvider(MockOAuth2Server server) {
        this.server = server;
        this.http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    }

    /** Starts a provider on a free loopback port. */
    public static OidcProvider start() {
        MockOAuth2Server server = new MockOAuth2Server();
        server.start(InetAddress.getLoopbackAddress(), 0);
        return new OidcProvider(server);
    }

    /**
     * Starts a provider whose authorization endpoint shows its interactive login page (a form with a user name and
     * a JSON text of extra claims, such as {@code {"groups": ["sre"]}}) instead of signing a default user in at
     * once: for browser tests of sign-in by authorization code.
     */
    public static OidcProvider startInteractive() {
        MockOAuth2Server server = new MockOAuth2Server(no.nav.security.mock.oauth2.OAuth2Config.Companion.fromJson(
                "{\"interactiveLogin\": true}"));
        server.start(InetAddress.getLoopbackAddress(), 0);
        return new OidcProvider(server);
    }

    /** The issuer URL, also the base of {@code /.well-known/openid-configuration}. */
    public URI issuer(String issuerId) {
        return URI.create(server.issuerUrl(issuerId).toString());
    }

    public URI jwksUri(String issuerId) {
        return URI.create(server.jwksUrl(issuerId).toString());
    }

    public URI tokenEndpoint(String issuerId) {
        return URI.create(server.tokenEndpointUrl(issuerId).toString());
    }

    /** A token for a human user, valid from now for {@code ttl} (a negative ttl gives an expired token). */
    public String userToken(String issuerId, String subject, String audience, List<String> groups, Duration ttl) {
        return token(issuerId, subject, audience, Map.of("groups", List.copyOf(groups)), ttl, Instant.now());
    }

    /**
     * A token for a workload, fetched with a real {@code client_credentials} request to the token endpoint:
     * {@code sub} = {@code clientId}, valid for one hour.
     */
    public String machineToken(String issuerId, String clientId, String audience, List<String> groups) {
        String form = "grant_type=client_credentials&client_id=" + encode(clientId)
                + "&client_secret=secret&scope=" + encode(audience);
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint(issuerId)).timeout(HTTP_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        tokenRequestLock.lock();
        try {
            server.enqueueCallback(new DefaultOAuth2TokenCallback(issuerId, clientId, "JWT", List.of(audience),
                    Map.of("groups", List.copyOf(groups), "client_id", clientId), 3600));
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new FixtureException("Token endpoint " + tokenEndpoint(issuerId) + " answered HTTP "
                        + response.statusCode());
            }
            String result = JSONObjectUtils.getString(JSONObjectUtils.parse(response.body()), "access_token");
            if (result == null) {
                throw new FixtureException("Token endpoint response has no access_token");
            }
            return result;
        } catch (IOException | ParseException e) {
            throw new FixtureException("client_credentials request to " + tokenEndpoint(issuerId) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FixtureException("Interrupted during client_credentials request", e);
        } finally {
            tokenRequestLock.unlock();
        }
    }

    /** A token for {@code subject} used on its behalf by {@code actor}: RFC 8693 {@code act: {sub: actor}}. */
    public String delegatedToken(String issuerId, String subject, String actor, String audience,
                                 List<String> groups) {
        return token(issuerId, subject, audience, Map.of("groups", List.copyOf(groups), "act", Map.of("sub", actor)),
                Duration.ofHours(1), Instant.now());
    }

    /**
     * A token with any claims; {@code iat} = now, {@code nbf} = {@code notBefore}, {@code exp} = now +
     * {@code ttl}. {@code claims} may override any of the standard ones.
     */
    public String token(String issuerId, String subject, String audience, Map<String, Object> claims,
                        Duration ttl, Instant notBefore) {
        Objects.requireNonNull(notBefore, "notBefore");
        Instant now = Instant.now();
        Map<String, Object> all = new HashMap<>();
        all.put("nbf", Date.from(notBefore));
        all.put("exp", Date.from(now.plus(ttl)));
        all.put("iat", Date.from(now));
        all.putAll(claims);
        return server.issueToken(issuerId, CLIENT_ID, new DefaultOAuth2TokenCallback(issuerId, subject, "JWT",
                List.of(audience), all, Math.max(1, ttl.toSeconds()))).serialize();
    }

    /** The underlying server, for what this class does not wrap (enqueued callbacks, request inspection). */
    public MockOAuth2Server server() {
        return server;
    }

    @Override
    public void close() {
        server.shutdown();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
