package dev.sluice.ssh;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketImpl;

/**
 * Two {@link BytePipe}s shaped as the connected {@link Socket} a {@link SocketIoSession} runs on: a relay's channel
 * service reads what the gateway sent from {@code in} and writes to {@code out}. TCP options are no-ops; closing
 * closes both pipes. Thread-safe (the pipes are).
 */
final class PipeSocket extends Socket {
    private static final SocketAddress ADDRESS = InetSocketAddress.createUnresolved("relay-tunnel", 0);
    private final BytePipe in;
    private final BytePipe out;
    private volatile boolean closed;

    PipeSocket(BytePipe in, BytePipe out) throws java.net.SocketException {
        super((SocketImpl) null);
        this.in = in;
        this.out = out;
    }

    @Override
    public InputStream getInputStream() {
        return in.input();
    }

    @Override
    public OutputStream getOutputStream() {
        return out.output();
    }

    @Override
    public void setTcpNoDelay(boolean on) {
        // no TCP here
    }

    @Override
    public void setKeepAlive(boolean on) {
        // no TCP here
    }

    @Override
    public boolean isConnected() {
        return true;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return ADDRESS;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ADDRESS;
    }

    @Override
    public void shutdownOutput() throws java.io.IOException {
        out.output().close();
    }

    @Override
    public void shutdownInput() throws java.io.IOException {
        in.input().close();
    }

    @Override
    public void close() {
        closed = true;
        in.close();
        out.close();
    }
}
