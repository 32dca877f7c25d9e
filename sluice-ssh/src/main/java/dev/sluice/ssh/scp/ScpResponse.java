package dev.sluice.ssh.scp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One answer in the legacy scp protocol, read as OpenSSH's {@code response()} reads it: {@code \0} is ok; any other
 * byte starts a message that runs to {@code \n} (at most {@value #MAX_MESSAGE} bytes); {@code \x01} is an error the
 * peer goes on after, anything else is fatal.
 *
 * @param raw the bytes as they came (passed on unchanged)
 */
record ScpResponse(byte[] raw) {
    static final int MAX_MESSAGE = 2048;
    static final ScpResponse CLOSED = new ScpResponse(new byte[0]);

    /** The next answer; empty at the end of the stream. */
    static Optional<ScpResponse> read(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return Optional.empty();
        }
        if (first == 0) {
            return Optional.of(new ScpResponse(new byte[] {0}));
        }
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        result.write(first);
        int b;
        // bounded as OpenSSH bounds it: the message ends at a newline or when its buffer is full
        while (result.size() < MAX_MESSAGE && (b = in.read()) >= 0) {
            result.write(b);
            if (b == '\n') {
                break;
            }
        }
        return Optional.of(new ScpResponse(result.toByteArray()));
    }

    boolean ok() {
        return raw.length == 1 && raw[0] == 0;
    }

    /** 0 for ok, 1 for an error, 2 for anything fatal or the end of the stream. */
    int status() {
        return ok() ? 0 : raw.length > 0 && raw[0] == 1 ? 1 : 2;
    }

    String message() {
        return raw.length <= 1 ? "" : new String(raw, 1, raw.length - 1, StandardCharsets.UTF_8).strip();
    }
}
