package dev.sluice.http.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** An HTTP/1.1 status line and header fields. */
public record ResponseHead(String version, int status, String reason, Headers headers) {
    public ResponseHead {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(headers, "headers");
    }

    /** Interprets a status line: {@code VERSION SP 3DIGIT SP [reason]}. */
    public static ResponseHead decode(HeadReader.RawHead raw) {
        String line = raw.startLine();
        if (!line.startsWith("HTTP/1.1 ") && !line.startsWith("HTTP/1.0 ") || line.length() < 12) {
            throw new HttpProtocolException(502, "malformed status line from upstream");
        }
        int status;
        try {
            status = Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new HttpProtocolException(502, "malformed status code from upstream");
        }
        if (status < 100 || status > 999 || line.length() > 12 && line.charAt(12) != ' ') {
            throw new HttpProtocolException(502, "malformed status line from upstream");
        }
        String reason = line.length() > 13 ? line.substring(13) : "";
        return new ResponseHead(line.substring(0, 8), status, reason, raw.headers());
    }

    public ResponseHead withHeaders(Headers newHeaders) {
        return new ResponseHead(version, status, reason, newHeaders);
    }

    /** Writes the head, CRLF-terminated, to {@code out} (not flushed). */
    public void encode(OutputStream out) throws IOException {
        StringBuilder text = new StringBuilder(256);
        text.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        Wire.appendFields(text, headers);
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
    }
}
