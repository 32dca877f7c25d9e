package dev.sluice.relay;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketImpl;

/**
 * A tunnel through a relay, shaped as the {@link Socket} a protocol module gets from the {@code Dialer}: streams,
 * read timeout, half-close and close act on the gRPC stream. Setting TCP options is a no-op (the relay sets them on
 * its own socket to the target). {@code onClose} runs once.
 */
final class TunnelSocket extends Socket {
    private final ByteTunnel tunnel;
    private final Runnable onClose;
    private final String description;
    private boolean closed;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    TunnelSocket(ByteTunnel tunnel, String description, Runnable onClose) throws java.net.SocketException {
        super((SocketImpl) null);
        this.tunnel = tunnel;
        this.description = description;
        this.onClose = onClose;
    }

    @Override
    public InputStream getInputStream() {
        return tunnel.input();
    }

    @Override
    public OutputStream getOutputStream() {
        return tunnel.output();
    }

    @Override
    public void setSoTimeout(int timeout) {
        tunnel.timeout(timeout);
    }

    @Override
    public int getSoTimeout() {
        return tunnel.timeout();
    }

    @Override
    public void setTcpNoDelay(boolean on) {
        // the relay's own socket to the target has TCP_NODELAY
    }

    @Override
    public void setKeepAlive(boolean on) {
        // gRPC keepalives watch the relay's connection
    }

    @Override
    public boolean isConnected() {
        return true;
    }

    @Override
    public boolean isClosed() {
        return tunnel.isClosed();
    }

    @Override
    public void shutdownOutput() {
        tunnel.shutdownOutput();
    }

    @Override
    public void shutdownInput() {
        // reading on returns what comes; the stream ends with close
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        tunnel.close();
        onClose.run();
    }

    @Override
    public String toString() {
        return description;
    }
}
