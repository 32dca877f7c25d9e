package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

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
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int result = socket.getLocalPort();
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on the loopback interface", e);
        }
    }
}
