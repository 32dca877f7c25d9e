package dev.sluice.postgres;

import java.io.BufferedInputStream;
import java.io.InputStream;

/**
 * A buffered socket input that can say, without a system call, whether the next read will have to wait for the
 * network. The relay flushes its output exactly then: pipelined messages go out together, and nothing waits in a
 * buffer while Sluice blocks on a read. Read from one thread at a time.
 */
final class RelayInput extends BufferedInputStream {
    static final int SIZE = 64 * 1024;

    RelayInput(InputStream in) {
        super(in, SIZE);
    }

    /** Bytes already read from the socket and not yet consumed. */
    int buffered() {
        return count - pos;
    }
}
