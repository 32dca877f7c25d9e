package dev.sluice.http;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Semaphore;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.ListenerLimits;
import dev.sluice.core.spi.Acceptor;
import dev.sluice.core.spi.HandshakeGate;

/**
 * The HTTPS proxy listener ({@code listen.https}) on core's {@link Acceptor}: the accept loop, a virtual thread per
 * connection, and the handshake budget and deadline (a client that has not sent a request head within
 * {@code limits.handshake-timeout}, TLS included, is closed; too many unauthenticated connections, in all or from one
 * address, are refused). Each connection is TLS (ALPN {@code http/1.1} only, so clients do not try HTTP/2) and runs
 * as a {@link ProxyConnection}. Over {@code https.max-connections} a client gets 503. Thread-safe.
 */
final class HttpsListener implements AutoCloseable {
    private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            + "Connection: close\r\nContent-Length: 57\r\n\r\n"
            + "{\"error\":\"too many connections\",\"status\":503,\"sluice\":1}\n").getBytes(StandardCharsets.US_ASCII);
    private final Acceptor acceptor;

    private HttpsListener(Acceptor acceptor) {
        this.acceptor = acceptor;
    }

    /** Listens on {@code address} with {@code tls} (plaintext only when {@code tls} is empty: never from the gateway). */
    static HttpsListener start(HostPort address, Optional<SSLContext> tls, ListenerLimits limits,
                               ProxyServices services) throws IOException {
        Semaphore slots = new Semaphore(services.settings().maxConnections());
        Acceptor acceptor = Acceptor.start("https", address, limits, new Acceptor.Connections() {
            @Override
            public void serve(Socket socket, HandshakeGate.Permit handshake) {
                Socket client;
                try {
                    socket.setTcpNoDelay(true);
                    client = tls.isPresent() ? secure(socket, tls.get()) : socket;
                } catch (IOException e) {
                    close(socket);
                    return;
                }
                if (!slots.tryAcquire()) {
                    refuseImmediately(client, "too many connections");
                    return;
                }
                try {
                    new ProxyConnection(client, services, handshake).run();
                } finally {
                    slots.release();
                }
            }

            @Override
            public void refusePolitely(Socket socket, String message) {
                try {
                    Socket client = tls.isPresent() ? secure(socket, tls.get()) : socket;
                    refuseImmediately(client, message);
                } catch (IOException e) {
                    close(socket);
                }
            }

            @Override
            public void refuseImmediately(Socket socket, String message) {
                try (socket) {
                    socket.setSoTimeout(2000);
                    socket.getOutputStream().write(BUSY);
                    socket.getOutputStream().flush();
                } catch (IOException e) {
                    // the client went away
                }
            }
        });
        return new HttpsListener(acceptor);
    }

    /** The server side of TLS on an accepted socket; the handshake runs on the first read. */
    private static SSLSocket secure(Socket socket, SSLContext context) throws IOException {
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket,
                socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        ssl.setUseClientMode(false);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        ssl.setSSLParameters(parameters);
        return ssl;
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }

    int port() {
        return acceptor.port();
    }

    @Override
    public void close() {
        acceptor.close();
    }
}
