package dev.sluice.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * TCP ports on the loopback interface that are free at the time of the call. Another process may take one before
 * the caller binds it, so callers that start external servers retry with a new port when the bind fails.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** Returns a port in the ephemeral range that nothing listens on at 127.0.0.1 right now. */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int result = socket.getLocalPort();
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on the loopback interface", e);
        }
    }

    /** Returns {@code preferred} when nothing listens on it at 127.0.0.1 right now, else {@link #free()}. */
    public static int preferredOrFree(int preferred) {
        try (ServerSocket socket = new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress())) {
            return preferred;
        } catch (IOException e) {
            return free();
        }
    }
}
