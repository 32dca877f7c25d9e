package dev.sluice.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.sluice.http.wire.HttpProtocolException;

/**
 * A request target split and checked before anything routes or judges it. The raw path is what goes upstream
 * (Sluice never re-encodes it); the decoded segments are what routing, policy and the Kubernetes parser read. The two
 * must name the same thing for every server behind Sluice, so any spelling that servers disagree about is refused
 * (400), never normalised: dot segments ({@code .}, {@code ..}, also percent-encoded), empty segments ({@code //}),
 * encoded slashes and backslashes ({@code %2F}, {@code %5C}, {@code \}), double encoding ({@code %25}), path
 * parameters ({@code ;}, as in {@code ..;/}), encoded or raw control characters, malformed escapes, fragments,
 * absolute-form and asterisk-form targets.
 *
 * @param rawPath  the path as sent, starting with {@code /}
 * @param query    the query string without {@code ?}, as sent (empty when none)
 * @param segments the decoded path segments (no empty ones)
 */
record RequestTarget(String rawPath, String query, List<String> segments) {
    static final int MAX_TARGET = 8192;

    static RequestTarget parse(String target) {
        if (target.length() > MAX_TARGET) {
            throw new HttpProtocolException(414, "request target too long (expected: <= " + MAX_TARGET + " bytes)");
        }
        if (!target.startsWith("/")) {
            throw new HttpProtocolException(400, "only origin-form request targets (/path) are accepted");
        }
        if (target.indexOf('#') >= 0) {
            throw new HttpProtocolException(400, "a fragment in the request target");
        }
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        if (rawPath.indexOf('\\') >= 0 || rawPath.indexOf(';') >= 0) {
            throw new HttpProtocolException(400, "backslashes and path parameters (;) are refused in paths");
        }
        String lower = rawPath.toLowerCase(Locale.ROOT);
        for (String banned : List.of("%2f", "%5c", "%25", "%2e", "%00", "%3b")) {
            if (lower.contains(banned)) {
                throw new HttpProtocolException(400, "encoded '/', '\\', '.', ';', '%' or NUL in the path is refused");
            }
        }
        List<String> segments = new ArrayList<>();
        String[] parts = rawPath.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                if (i == parts.length - 1 && i > 0 || parts.length == 1) {
                    continue; // a trailing slash, or the root path "/"
                }
                throw new HttpProtocolException(400, "empty path segment (//) is refused");
            }
            String decoded = decode(part);
            if (decoded.equals(".") || decoded.equals("..")) {
                throw new HttpProtocolException(400, "dot segments (. and ..) are refused in paths");
            }
            segments.add(decoded);
        }
        return new RequestTarget(rawPath, query, List.copyOf(segments));
    }

    /** The raw path after the first {@code n} segments (which must not have been percent-encoded), from its slash. */
    String rawPathAfter(int n) {
        int index = 0;
        for (int i = 0; i < n; i++) {
            index = rawPath.indexOf('/', index + 1);
            if (index < 0) {
                return "/";
            }
        }
        return rawPath.substring(index);
    }

    /** The decoded path, segments joined by {@code /}, with a leading slash. */
    String decodedPath() {
        return "/" + String.join("/", segments);
    }

    static String decode(String part) {
        if (part.indexOf('%') < 0) {
            return part;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c != '%') {
                bytes.write(c);
                continue;
            }
            if (i + 2 >= part.length()) {
                throw new HttpProtocolException(400, "malformed percent-encoding in the path");
            }
            int hi = Character.digit(part.charAt(i + 1), 16);
            int lo = Character.digit(part.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                throw new HttpProtocolException(400, "malformed percent-encoding in the path");
            }
            int b = hi * 16 + lo;
            if (b < 0x20 || b == 0x7f) {
                throw new HttpProtocolException(400, "encoded control character in the path");
            }
            bytes.write(b);
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
