package dev.sluice.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import dev.sluice.core.config.WebTarget;
import dev.sluice.http.wire.Headers;

/**
 * Puts a target's credential into an upstream request's header fields: the gateway's {@link Forwarder} for a
 * connection it dials itself, the relay's {@link RelayRequests} for a {@code via} connection (whose credential only
 * the relay has). One place, so both inject exactly the same fields.
 */
final class UpstreamCredential {
    private UpstreamCredential() {
    }

    static Headers apply(Headers headers, HttpTarget target, OAuth2Tokens oauth) throws IOException {
        return switch (target.credential()) {
            case WebTarget.Credential.None none -> headers;
            case WebTarget.Credential.Headers fixed -> {
                Headers result = headers;
                for (WebTarget.SecretHeader h : fixed.headers()) {
                    result = result.with(h.name(), h.value().reveal());
                }
                yield result;
            }
            case WebTarget.Credential.Basic basic -> headers.with("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((basic.user() + ":" + basic.password().reveal()).getBytes(StandardCharsets.UTF_8)));
            case WebTarget.Credential.OAuth2 oauth2 -> headers.with("Authorization", "Bearer "
                    + oauth.token(target.name(), oauth2).reveal());
        };
    }
}
