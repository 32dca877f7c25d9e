package dev.sluice.http.wire;

/** Shared encoding of header fields. */
final class Wire {
    private Wire() {
    }

    static void appendFields(StringBuilder text, Headers headers) {
        for (Header h : headers.fields()) {
            // Values Sluice adds come from configuration; a CR or LF in one would split the head: never written.
            if (h.value().indexOf('\r') >= 0 || h.value().indexOf('\n') >= 0 || !Tokens.isToken(h.name())) {
                throw new HttpProtocolException(500, "refusing to write header field " + h.name()
                        + " with a line break or invalid name");
            }
            text.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        text.append("\r\n");
    }
}
