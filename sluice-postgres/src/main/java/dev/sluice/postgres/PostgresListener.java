package dev.sluice.postgres;

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
import dev.sluice.core.spi.ProtocolListener;

/**
 * Accepts PostgreSQL clients and gives each connection its own virtual thread running a
 * {@link PostgresFrontendSession}. Two budgets, so that unauthenticated connections can never lock out authenticated
 * users: a connection first takes a place in the {@link HandshakeGate} (total and per client address, with a
 * whole-handshake deadline), and only once authenticated a session slot from core's {@code SessionService} (virtual threads
 * are no limit by themselves). A client over either budget gets ErrorResponse 53300 at once. One bad client never stops the listener.
 */
public final class PostgresListener implements ProtocolListener {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresListener.class);
    /** Over-budget connections refused with a TLS handshake at once; more get a bare ErrorResponse. */
    static final int POLITE_REFUSALS = 16;
    static final Duration REFUSAL_DEADLINE = Duration.ofSeconds(2);

    private final ServerSocket server;
    private final PostgresServices services;
    private final HandshakeGate handshakes;
    private final MessageMemory messageMemory;
    private final Semaphore politeRefusals = new Semaphore(POLITE_REFUSALS);
    private final ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread acceptor;

    private PostgresListener(ServerSocket server, PostgresServices services) {
        this.server = server;
        this.services = services;
        this.handshakes = new HandshakeGate(services.limits().maxHandshakes(),
                services.limits().maxHandshakesPerAddress(), services.limits().handshakeTimeout());
        this.messageMemory = new MessageMemory(services.limits().messageMemory());
        this.acceptor = Thread.ofVirtual().name("sluice-postgres-accept").unstarted(this::acceptLoop);
    }

    public static PostgresListener start(HostPort address, PostgresServices services) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()), 512);
        PostgresListener result = new PostgresListener(server, services);
        result.acceptor.start();
        LOG.info("PostgreSQL listener on {}:{}", address.host(), result.port());
        return result;
    }

    public int port() {
        return server.getLocalPort();
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
                sessions.submit(() -> {
                    try (permit) {
                        new PostgresFrontendSession(socket, services, permit, messageMemory).run();
                    }
                });
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("accept failed: {}", e.getMessage());
                }
            }
        }
    }

    /** Connections in their handshake now (not yet authenticated). */
    public int inHandshake() {
        return handshakes.inHandshake();
    }

    /** Handshake deadlines still armed: none is left behind once connections end. */
    public int pendingDeadlines() {
        return handshakes.pendingDeadlines();
    }

    /** Bytes of {@code limits.message-memory} free now: all of it once no large message is in flight. */
    public long messageMemoryAvailable() {
        return messageMemory.available();
    }

    /**
     * Refuses an over-budget connection: with a TLS handshake first, so that psql shows why, while few refusals run
     * (each bounded by {@link #REFUSAL_DEADLINE}); beyond {@link #POLITE_REFUSALS} at once, with a bare ErrorResponse.
     */
    private void refuse(Socket socket, String message) {
        if (!politeRefusals.tryAcquire()) {
            OverBudgetRefusal.immediately(socket, message);
            return;
        }
        var deadline = handshakes.closeLater(socket, REFUSAL_DEADLINE);
        sessions.submit(() -> {
            try {
                OverBudgetRefusal.politely(socket, services, message);
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
        sessions.shutdownNow();
        handshakes.close();
    }
}
