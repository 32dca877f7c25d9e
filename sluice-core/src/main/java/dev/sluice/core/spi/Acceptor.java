package dev.sluice.core.spi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.ListenerLimits;

/**
 * The accept loop every blocking protocol listener shares: accepts, gives each connection its own virtual thread, and
 * keeps unauthenticated connections in the {@link HandshakeGate} (total and per client address, with a
 * whole-handshake deadline) so that they can never lock out authenticated users; the session cap is core's
 * {@link dev.sluice.core.session.SessionService}. Over the handshake budget a connection is refused at once, in the
 * protocol's words; one bad client never stops the listener.
 */
public final class Acceptor implements ProtocolListener {
    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);
    /** Over-budget connections refused politely (e.g. after a TLS handshake) at once; more get a bare refusal. */
    static final int POLITE_REFUSALS = 16;
    static final Duration REFUSAL_DEADLINE = Duration.ofSeconds(2);

    /** What the protocol does with a connection. */
    public interface Connections {

        /** Serves one accepted connection, on its own virtual thread, holding its place in the handshake budget. */
        void serve(Socket socket, HandshakeGate.Permit handshake);

        /**
         * Refuses a connection over the handshake budget so that its client shows why (PostgreSQL: after TLS). At most
         * {@link #POLITE_REFUSALS} run at once, each closed after {@link #REFUSAL_DEADLINE}.
         */
        void refusePolitely(Socket socket, String message);

        /** Refuses at once, with no more than one write, and closes. */
        void refuseImmediately(Socket socket, String message);
    }

    private final String name;
    private final ServerSocket server;
    private final Connections connections;
    private final HandshakeGate handshakes;
    private final Semaphore politeRefusals = new Semaphore(POLITE_REFUSALS);
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread acceptor;

    private Acceptor(String name, ServerSocket server, ListenerLimits limits, Connections connections) {
        this.name = name;
        this.server = server;
        this.connections = connections;
        this.handshakes = new HandshakeGate(limits.maxHandshakes(), limits.maxHandshakesPerAddress(),
                limits.handshakeTimeout());
        this.acceptor = Thread.ofVirtual().name("sluice-" + name.toLowerCase(java.util.Locale.ROOT) + "-accept")
                .unstarted(this::acceptLoop);
    }

    /** Binds {@code address} and starts accepting; {@code name} is the protocol as logs name it ({@code PostgreSQL}). */
    public static Acceptor start(String name, HostPort address, ListenerLimits limits, Connections connections)
            throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()), 512);
        Acceptor result = new Acceptor(name, server, limits, connections);
        result.acceptor.start();
        LOG.info("{} listener on {}:{}", name, address.host(), result.port());
        return result;
    }

    @Override
    public int port() {
        return server.getLocalPort();
    }

    /** Connections in their handshake now (not yet authenticated). */
    public int inHandshake() {
        return handshakes.inHandshake();
    }

    /** Handshake deadlines still armed: none is left behind once connections end. */
    public int pendingDeadlines() {
        return handshakes.pendingDeadlines();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                HandshakeGate.Permit permit;
                try {
                    permit = handshakes.tryEnter(socket);
                } catch (HandshakeGate.Refused e) {
                    // Fail closed, and fast: over the handshake budget a connection never becomes a session.
                    refuse(socket, e.refusal.message);
                    continue;
                }
                threads.submit(() -> {
                    try (permit) {
                        connections.serve(socket, permit);
                    } catch (RuntimeException e) {
                        LOG.error("{}: connection failed", name, e);
                    }
                });
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("{}: accept failed: {}", name, e.getMessage());
                }
            }
        }
    }

    private void refuse(Socket socket, String message) {
        if (!politeRefusals.tryAcquire()) {
            connections.refuseImmediately(socket, message);
            return;
        }
        var deadline = handshakes.closeLater(socket, REFUSAL_DEADLINE);
        threads.submit(() -> {
            try {
                connections.refusePolitely(socket, message);
            } finally {
                deadline.cancel(false);
                politeRefusals.release();
            }
        });
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        threads.shutdownNow();
        handshakes.close();
    }
}
