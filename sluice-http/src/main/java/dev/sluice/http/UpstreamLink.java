package dev.sluice.http;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import dev.sluice.http.wire.BufferedInput;

/**
 * One open connection to an upstream (TCP, and TLS for {@code https://} addresses), kept alive across the requests
 * of one client connection while they go to the same target. Used by the client connection's thread, and by the
 * second relay thread of an upgraded (WebSocket/SPDY) exchange.
 */
final class UpstreamLink implements Closeable {
    private final String target;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private UpstreamLink(String target, Socket socket) throws IOException {
        this.target = target;
        this.socket = socket;
        // BufferedInput: no lock per read() (a head is read byte by byte); one thread reads at a time
        this.in = new BufferedInput(socket.getInputStream(), 16 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    /** Wraps a connected socket ({@link UpstreamDialer}) in TLS when the target wants it. */
    static UpstreamLink open(HttpTarget target, Socket connected, TlsContexts tls) throws IOException {
        Socket socket = connected;
        if (target.https()) {
            SSLSocket ssl = (SSLSocket) tls.forTarget(target).getSocketFactory()
                    .createSocket(connected, target.address().getHost(), target.port(), true);
            SSLParameters parameters = ssl.getSSLParameters();
            if (!target.tls().insecureSkipVerify()) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            ssl.setSSLParameters(parameters);
            ssl.startHandshake();
            socket = ssl;
        }
        return new UpstreamLink(target.name(), socket);
    }

    String target() {
        return target;
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    Socket socket() {
        return socket;
    }

    boolean isOpen() {
        return !socket.isClosed() && !socket.isInputShutdown();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
    }
}
