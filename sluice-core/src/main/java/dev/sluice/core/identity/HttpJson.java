package dev.sluice.core.identity;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;

import com.nimbusds.jose.util.JSONObjectUtils;

import dev.sluice.core.SluiceException;

/** Bounded GET of a small JSON document (discovery, JWKS). Failures become {@link FetchException}s. */
final class HttpJson {

    /**
     * Per request. Ten seconds, not five: an issuer's first answer after its own start (a JIT-cold JVM on a busy host)
     * was seen to take longer than five, which failed a caller's first sign-in for nothing.
     */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_BYTES = 512 * 1024;

    private final HttpClient client;

    HttpJson(HttpClient client) {
        this.client = client;
    }

    static HttpJson create() {
        return new HttpJson(HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build());
    }

    /** @param what names the document in error messages, e.g. "discovery" */
    Map<String, Object> get(URI uri, String what) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Accept", "application/json").GET().build();
        byte[] body;
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw new FetchException(what + " returned HTTP " + response.statusCode());
                }
                body = in.readNBytes(MAX_BYTES + 1);
            }
        } catch (IOException e) {
            throw new FetchException(what + " fetch failed (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException(what + " fetch interrupted");
        }
        if (body.length > MAX_BYTES) {
            throw new FetchException(what + " document too large");
        }
        try {
            return JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new FetchException(what + " document is not a JSON object");
        }
    }

    /** A discovery or key fetch that failed; the message is a short reason without secrets. */
    static final class FetchException extends SluiceException {
        FetchException(String message) {
            super(message);
        }
    }
}
