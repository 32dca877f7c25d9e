package dev.sluice.testing;

import dev.sluice.demo.LoopbackPorts;

/**
 * Finds a TCP port on the loopback interface that is free at the time of the call. Another process may take
 * it before the caller binds it, so fixtures that start external servers retry with a new port when the
 * bind fails.
 */
public final class FreePort {
    private FreePort() {
    }

    /** Returns a port in the ephemeral range that nothing listens on at 127.0.0.1 right now. */
    public static int find() {
        return LoopbackPorts.free();
    }
}
