package dev.sluice.http.wire;

import dev.sluice.core.SluiceException;

/**
 * A peer sent something Sluice will not read as HTTP/1.1: a malformed or oversized head, ambiguous framing, a bad
 * chunk. {@link #status} is what a client is answered (400, 413, 414, 431, 501); the message is safe to show and
 * names the bound that was crossed ("(expected: <= N)").
 */
public final class HttpProtocolException extends SluiceException {
    private final int status;

    public HttpProtocolException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
