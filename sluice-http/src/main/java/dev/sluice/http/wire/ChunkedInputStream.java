package dev.sluice.http.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes the chunked transfer coding (RFC 9112 §7.1) into the body's bytes, strictly: hexadecimal sizes of at most
 * {@link #MAX_SIZE_DIGITS} digits, size lines (with extensions) of at most {@link #MAX_LINE} bytes, CRLF after every
 * chunk's data, trailer fields bounded by {@link #MAX_TRAILERS} bytes and dropped. Anything else raises an
 * {@link HttpProtocolException} (400): a malformed chunked body is never passed on. Ends at the last chunk; the
 * underlying stream is never closed. Used by one thread.
 */
public final class ChunkedInputStream extends InputStream {
    static final int MAX_SIZE_DIGITS = 15;
    static final int MAX_LINE = 4096;
    static final int MAX_TRAILERS = 16 * 1024;
    private final InputStream in;
    private final int errorStatus;
    private long remaining; // bytes left in the current chunk
    private boolean done;

    /** {@code errorStatus}: 400 for a client's body, 502 for an upstream's. */
    public ChunkedInputStream(InputStream in, int errorStatus) {
        this.in = in;
        this.errorStatus = errorStatus;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (done) {
            return -1;
        }
        if (remaining == 0) {
            remaining = nextSize();
            if (remaining == 0) {
                trailers();
                done = true;
                return -1;
            }
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw new EOFException("the peer closed the connection inside a chunk");
        }
        remaining -= n;
        if (remaining == 0) {
            crlf();
        }
        return n;
    }

    private long nextSize() throws IOException {
        String line = line();
        int end = line.indexOf(';');
        String hex = (end < 0 ? line : line.substring(0, end));
        if (hex.isEmpty() || hex.length() > MAX_SIZE_DIGITS) {
            throw bad("malformed chunk size (expected: 1 to " + MAX_SIZE_DIGITS + " hex digits)");
        }
        long result = 0;
        for (int i = 0; i < hex.length(); i++) {
            int digit = Character.digit(hex.charAt(i), 16);
            if (digit < 0) {
                throw bad("malformed chunk size");
            }
            result = result * 16 + digit;
        }
        return result;
    }

    private void trailers() throws IOException {
        int budget = MAX_TRAILERS;
        while (true) {
            String line = line();
            if (line.isEmpty()) {
                return;
            }
            budget -= line.length() + 2;
            if (budget < 0) {
                throw bad("trailer section too large (expected: <= " + MAX_TRAILERS + " bytes)");
            }
        }
    }

    private void crlf() throws IOException {
        if (in.read() != '\r' || in.read() != '\n') {
            throw bad("chunk data not followed by CRLF");
        }
    }

    private String line() throws IOException {
        StringBuilder result = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the peer closed the connection inside a chunked body");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw bad("bare CR in a chunk line");
                }
                return result.toString();
            }
            if (b == '\n') {
                throw bad("bare LF in a chunk line");
            }
            if (result.length() >= MAX_LINE) {
                throw bad("chunk line too long (expected: <= " + MAX_LINE + " bytes)");
            }
            result.append((char) b);
        }
    }

    private HttpProtocolException bad(String message) {
        return new HttpProtocolException(errorStatus, message);
    }
}
