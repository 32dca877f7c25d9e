package dev.sluice.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.config.HostPort;
import dev.sluice.postgres.wire.FrameWriter;

/**
 * Accepts PostgreSQL clients and gives each connection its own virtual thread running a
 * {@link PostgresFrontendSession}. A semaphore caps concurrent sessions (virtual threads are no limit by themselves);
 * a client over the cap gets ErrorResponse 53300. One bad client never stops the listener.
 */
public final class PostgresListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresListener.class);

    private final ServerSocket server;
    private final PostgresServices services;
    private final Semaphore slots;
    private final ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread acceptor;

    private PostgresListener(ServerSocket server, PostgresServices services) {
        this.server = server;
        this.services = services;
        this.slots = new Semaphore(services.maxConnections());
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
                if (!slots.tryAcquire()) {
                    refuseOverCapacity(socket);
                    continue;
                }
                sessions.submit(() -> {
                    try {
                        new PostgresFrontendSession(socket, services).run();
                    } finally {
                        slots.release();
                    }
                });
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private static void refuseOverCapacity(Socket socket) {
        try (socket) {
            FrameWriter writer = new FrameWriter(socket.getOutputStream());
            writer.write(PostgresErrors.fatal(PostgresErrors.TOO_MANY_CONNECTIONS,
                    "sorry, too many clients already connected to Sluice"));
            writer.flush();
        } catch (IOException e) {
            // nothing more to tell a client that is gone
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        sessions.shutdownNow();
    }
}
