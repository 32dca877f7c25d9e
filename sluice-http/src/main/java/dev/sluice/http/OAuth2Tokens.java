package dev.sluice.http;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.sluice.core.Secret;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.WebTarget;

/**
 * OAuth2 client-credentials tokens for {@code http} connections (RFC 6749 §4.4): fetched on first use, kept until
 * 30 seconds before {@code expires_in} runs out, then fetched again; one fetch at a time per connection. The client
 * authenticates with HTTP basic ({@code client_secret_basic}). Thread-safe.
 */
final class OAuth2Tokens {
    private static final Duration EARLY = Duration.ofSeconds(30);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();

    OAuth2Tokens(Clock clock) {
        this.clock = clock;
    }

    private record Cached(WebTarget.Credential.OAuth2 settings, Secret token, Instant refreshAt) {
    }

    /** A valid access token for the connection {@code name}. */
    Secret token(String name, WebTarget.Credential.OAuth2 settings) throws IOException {
        Cached cached = cache.get(name);
        if (cached != null && cached.settings().equals(settings) && clock.instant().isBefore(cached.refreshAt())) {
            return cached.token();
        }
        lock.lock();
        try {
            cached = cache.get(name);
            if (cached != null && cached.settings().equals(settings) && clock.instant().isBefore(cached.refreshAt())) {
                return cached.token();
            }
            Cached fresh = fetch(settings);
            cache.put(name, fresh);
            return fresh.token();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the token of {@code name} (the upstream answered 401 with it). */
    void invalidate(String name) {
        cache.remove(name);
    }

    private Cached fetch(WebTarget.Credential.OAuth2 settings) throws IOException {
        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        settings.scope().ifPresent(s -> form.append("&scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8)));
        settings.audience().ifPresent(a -> form.append("&audience=")
                .append(URLEncoder.encode(a, StandardCharsets.UTF_8)));
        String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(settings.clientId(), StandardCharsets.UTF_8)
                + ":" + URLEncoder.encode(settings.clientSecret().reveal(), StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(settings.tokenUrl()).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching an OAuth2 token");
        }
        if (response.statusCode() != 200) {
            throw new SluiceException("the token endpoint answered " + response.statusCode());
        }
        Optional<String> token = Optional.empty();
        long expiresIn = 300;
        try (JsonParser parser = new JsonFactory().createParser(response.body())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new SluiceException("the token endpoint did not answer a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("access_token") && value == JsonToken.VALUE_STRING) {
                    token = Optional.of(parser.getText());
                } else if (field.equals("expires_in") && value.isNumeric()) {
                    expiresIn = parser.getLongValue();
                } else {
                    parser.skipChildren();
                }
            }
        }
        if (token.isEmpty() || token.get().indexOf('\r') >= 0 || token.get().indexOf('\n') >= 0) {
            throw new SluiceException("the token endpoint's answer has no usable access_token");
        }
        Duration life = Duration.ofSeconds(Math.max(1, expiresIn));
        Instant refreshAt = clock.instant().plus(life.compareTo(EARLY.multipliedBy(2)) > 0 ? life.minus(EARLY)
                : life.dividedBy(2));
        return new Cached(settings, Secret.of(token.get()), refreshAt);
    }
}
