package dev.sluice.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.config.HostPort;

/**
 * The HTTPS proxy listener ({@code listen.https}): accepts TLS connections (ALPN {@code http/1.1} only, so clients
 * do not try HTTP/2) and runs each on its own virtual thread as a {@link ProxyConnection}. Over
 * {@link ProxySettings#maxConnections} a client gets 503 and is closed. Thread-safe.
 */
final class HttpsListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpsListener.class);
    private final ServerSocket server;
    private final ProxyServices services;
    private final Semaphore slots;
    private final Thread acceptor;

    private HttpsListener(ServerSocket server, ProxyServices services) {
        this.server = server;
        this.services = services;
        this.slots = new Semaphore(services.settings().maxConnections());
        this.acceptor = Thread.ofVirtual().name("sluice-https-accept").unstarted(this::accept);
    }

    /** Listens on {@code address} with {@code tls} (plaintext only when {@code tls} is empty: tests on loopback). */
    static HttpsListener start(HostPort address, java.util.Optional<SSLContext> tls, ProxyServices services)
            throws IOException {
        ServerSocket server;
        if (tls.isPresent()) {
            SSLServerSocket ssl = (SSLServerSocket) tls.get().getServerSocketFactory().createServerSocket();
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            ssl.setSSLParameters(parameters);
            server = ssl;
        } else {
            server = new ServerSocket();
        }
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getByName(address.host()), address.port()), 512);
        HttpsListener result = new HttpsListener(server, services);
        result.acceptor.start();
        LOG.info("HTTPS proxy listening on {}:{}", address.host(), result.port());
        return result;
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("HTTPS proxy accept failed: {}", e.getMessage());
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                Thread.ofVirtual().start(() -> busy(socket));
                continue;
            }
            Thread.ofVirtual().name("sluice-https-" + socket.getPort()).start(() -> {
                try {
                    socket.setTcpNoDelay(true);
                    new ProxyConnection(socket, services).run();
                } catch (IOException e) {
                    // the client went away
                } finally {
                    slots.release();
                }
            });
        }
    }

    private static void busy(Socket socket) {
        try (socket) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    + "Connection: close\r\nContent-Length: 57\r\n\r\n"
                    + "{\"error\":\"too many connections\",\"status\":503,\"sluice\":1}\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
    }
}
