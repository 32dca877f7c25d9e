package dev.sluice.http.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads the head of an HTTP/1.1 message (start line and header fields, up to the empty line) from a buffered stream,
 * byte by byte, never past the head: the body stays in the stream.
 *
 * <p>Strict, because a proxy that reads a head differently from the server behind it can be smuggled through: lines
 * end in CRLF (a bare CR or LF is refused), field names are RFC 9110 tokens with no space before the colon,
 * obsolete line folding is refused, values hold no control character other than HTAB. Bounded: the start line at
 * {@code maxLine} bytes (414), the whole head at {@code maxHead} bytes and {@link #MAX_FIELDS} fields (431).
 * Reads best from a {@link BufferedInput} (no lock per byte). Not thread-safe: one reader per connection.
 */
public final class HeadReader {
    public static final int MAX_FIELDS = 128;
    private final InputStream in;
    private final int maxLine;
    private final int maxHead;
    /** The line being read (this reader's thread only); grows up to the longest line allowed. */
    private byte[] lineBytes = new byte[256];

    public HeadReader(InputStream in, int maxLine, int maxHead) {
        this.in = in;
        this.maxLine = maxLine;
        this.maxHead = maxHead;
    }

    /** The start line and fields, or empty when the stream ended cleanly before the first byte of a message. */
    public Optional<RawHead> read() throws IOException {
        int first = in.read();
        if (first < 0) {
            return Optional.empty();
        }
        int[] budget = {maxHead};
        String startLine = line(first, maxLine, budget, 414, "request line");
        List<Header> fields = new ArrayList<>();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the peer closed the connection inside a message head");
            }
            String line = line(b, maxHead, budget, 431, "header section");
            if (line.isEmpty()) {
                break;
            }
            if (fields.size() == MAX_FIELDS) {
                throw new HttpProtocolException(431, "too many header fields (expected: <= " + MAX_FIELDS + ")");
            }
            fields.add(field(line));
        }
        return Optional.of(new RawHead(startLine, Headers.of(fields)));
    }

    /** The start line and header fields of a message, not yet interpreted. */
    public record RawHead(String startLine, Headers headers) {
    }

    private String line(int first, int maxLength, int[] budget, int status, String what) throws IOException {
        int length = 0;
        int b = first;
        while (true) {
            if (b < 0) {
                throw new EOFException("the peer closed the connection inside a message head");
            }
            if (--budget[0] < 0) {
                throw new HttpProtocolException(431, "message head too large (expected: <= " + maxHead + " bytes)");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new HttpProtocolException(400, "bare CR in the " + what);
                }
                budget[0]--;
                return new String(lineBytes, 0, length, StandardCharsets.ISO_8859_1); // as RFC 9110 reads field bytes
            }
            if (b == '\n') {
                throw new HttpProtocolException(400, "bare LF in the " + what + " (lines end in CRLF)");
            }
            if (length >= maxLength) {
                throw new HttpProtocolException(status, what + " too long (expected: <= " + maxLength + " bytes)");
            }
            if (length == lineBytes.length) {
                lineBytes = Arrays.copyOf(lineBytes, lineBytes.length * 2);
            }
            lineBytes[length++] = (byte) b;
            b = in.read();
        }
    }

    private static Header field(String line) {
        if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
            throw new HttpProtocolException(400, "obsolete line folding in a header field");
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new HttpProtocolException(400, "a header field without a name and colon");
        }
        String name = line.substring(0, colon);
        for (int i = 0; i < name.length(); i++) {
            if (!Tokens.isTokenChar(name.charAt(i))) {
                throw new HttpProtocolException(400, "invalid character in header field name");
            }
        }
        String value = line.substring(colon + 1).strip();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new HttpProtocolException(400, "control character in header field " + name);
            }
        }
        return new Header(name, value);
    }
}
