package dev.sluice.http.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An HTTP/1.1 request line and header fields.
 *
 * @param method  an RFC 9110 token, as sent (methods are case-sensitive)
 * @param target  the request target in origin form ({@code /path?query}), exactly as sent
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 */
public record RequestHead(String method, String target, String version, Headers headers) {
    public RequestHead {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(headers, "headers");
    }

    /** Interprets a start line: {@code METHOD SP TARGET SP VERSION}, single spaces, nothing else. */
    public static RequestHead decode(HeadReader.RawHead raw) {
        String[] parts = raw.startLine().split(" ", -1);
        if (parts.length != 3) {
            throw new HttpProtocolException(400, "malformed request line");
        }
        if (!Tokens.isToken(parts[0])) {
            throw new HttpProtocolException(400, "malformed method");
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
            throw new HttpProtocolException(505, "only HTTP/1.1 and HTTP/1.0 are served");
        }
        if (parts[1].isEmpty()) {
            throw new HttpProtocolException(400, "empty request target");
        }
        for (int i = 0; i < parts[1].length(); i++) {
            char c = parts[1].charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new HttpProtocolException(400, "invalid character in the request target");
            }
        }
        return new RequestHead(parts[0], parts[1], parts[2], raw.headers());
    }

    public RequestHead withTarget(String newTarget) {
        return new RequestHead(method, newTarget, version, headers);
    }

    public RequestHead withHeaders(Headers newHeaders) {
        return new RequestHead(method, target, version, newHeaders);
    }

    /** Writes the head, CRLF-terminated, to {@code out} (not flushed). */
    public void encode(OutputStream out) throws IOException {
        StringBuilder text = new StringBuilder(256);
        text.append(method).append(' ').append(target).append(' ').append(version).append("\r\n");
        Wire.appendFields(text, headers);
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
    }
}
