package dev.sluice.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

import dev.sluice.http.wire.Header;
import dev.sluice.http.wire.RequestHead;

/**
 * What makes a retried HTTP request "the same" as the one an approval was asked for (a hold answered {@code 202}):
 * the method, the request target exactly as forwarded (path and query, as spelled), every header field that is
 * forwarded upstream in order (names lower-cased, values as sent), and the SHA-256 of the whole body. Not part of it:
 * what Sluice drops or sets itself (the caller's {@code Authorization}, {@code Host}, hop-by-hop fields,
 * {@code Content-Length}, which the body's digest covers) and fields that change on every attempt without changing
 * what runs ({@code X-Request-Id}, {@code traceparent}, {@code tracestate}, {@code Kubectl-Session}, {@code Date}).
 * The identity and connection are added by the core. Only a request whose body Sluice has read in full before the
 * judgment has a key: one with a larger or chunked body cannot be recognised again, and waits for its decision.
 */
final class RetryKey {
    /** Fields that differ between attempts of one request and do not change what it does. */
    static final Set<String> PER_ATTEMPT = Set.of("x-request-id", "traceparent", "tracestate", "kubectl-session",
            "date");

    private RetryKey() {
    }

    static String of(RequestHead head, String upstreamTarget, Set<String> dropped, byte[] body) {
        StringBuilder result = new StringBuilder(head.method()).append(' ').append(upstreamTarget).append('\n');
        for (Header field : head.headers().fields()) {
            String name = field.name().toLowerCase(Locale.ROOT);
            if (dropped.contains(name) || PER_ATTEMPT.contains(name)) {
                continue;
            }
            result.append(name).append(": ").append(field.value()).append('\n');
        }
        result.append("\nbody sha256:").append(sha256(body));
        return result.toString();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
