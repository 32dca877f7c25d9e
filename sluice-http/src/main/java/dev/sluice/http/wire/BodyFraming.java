package dev.sluice.http.wire;

import java.util.List;

/**
 * How a message body is delimited (RFC 9112 §6). Decided once from the head, strictly: a request that two servers
 * could frame differently (both {@code Transfer-Encoding} and {@code Content-Length}, a transfer coding other than a
 * lone {@code chunked}, differing or malformed lengths) is refused, never forwarded.
 */
public sealed interface BodyFraming {
    /** No body. */
    record None() implements BodyFraming {
    }

    /** Exactly {@code length} bytes. */
    record Fixed(long length) implements BodyFraming {
    }

    /** Chunked transfer coding. */
    record Chunked() implements BodyFraming {
    }

    /** Until the connection closes (responses only). */
    record UntilClose() implements BodyFraming {
    }

    /** The framing of a request, or an {@link HttpProtocolException} when it is ambiguous. */
    public static BodyFraming ofRequest(RequestHead head) {
        Headers h = head.headers();
        List<String> te = h.all("Transfer-Encoding");
        List<String> cl = h.all("Content-Length");
        if (!te.isEmpty()) {
            if (!cl.isEmpty()) {
                // The classic smuggling pair: one hop reads the length, the next the chunks.
                throw new HttpProtocolException(400, "both Transfer-Encoding and Content-Length: ambiguous framing");
            }
            if (head.version().equals("HTTP/1.0")) {
                throw new HttpProtocolException(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            if (te.size() != 1 || !te.getFirst().strip().equalsIgnoreCase("chunked")) {
                throw new HttpProtocolException(501, "unsupported Transfer-Encoding (only a single 'chunked')");
            }
            return new Chunked();
        }
        if (!cl.isEmpty()) {
            return new Fixed(length(cl, 400));
        }
        return new None();
    }

    /** The framing of a response to a request with {@code method}. */
    public static BodyFraming ofResponse(String method, ResponseHead head) {
        int status = head.status();
        if (method.equals("HEAD") || status / 100 == 1 || status == 204 || status == 304) {
            return new None();
        }
        Headers h = head.headers();
        List<String> te = h.all("Transfer-Encoding");
        List<String> cl = h.all("Content-Length");
        if (!te.isEmpty()) {
            if (!cl.isEmpty() || te.size() != 1 || !te.getFirst().strip().equalsIgnoreCase("chunked")) {
                throw new HttpProtocolException(502, "ambiguous or unsupported framing from upstream");
            }
            return new Chunked();
        }
        if (!cl.isEmpty()) {
            return new Fixed(length(cl, 502));
        }
        return new UntilClose();
    }

    private static long length(List<String> values, int status) {
        long result = -1;
        for (String value : values) {
            String v = value.strip();
            if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new HttpProtocolException(status, "malformed Content-Length");
            }
            long n = Long.parseLong(v);
            if (result >= 0 && n != result) {
                throw new HttpProtocolException(status, "conflicting Content-Length values");
            }
            result = n;
        }
        return result;
    }
}
