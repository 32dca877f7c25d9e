package dev.sluice.postgres;

import java.io.IOException;
import java.net.Socket;

import dev.sluice.core.config.HostPort;
import dev.sluice.core.spi.Acceptor;
import dev.sluice.core.spi.HandshakeGate;
import dev.sluice.core.spi.ProtocolListener;

/**
 * The PostgreSQL listener: core's {@link Acceptor} (accept loop, handshake budget and deadline) with a
 * {@link PostgresFrontendSession} for each connection, and the over-budget refusal worded as PostgreSQL does
 * (ErrorResponse 53300, after a TLS handshake where it can so that psql shows why). The shared budget of large
 * messages ({@code limits.message-memory}) is PostgreSQL's own.
 */
public final class PostgresListener implements ProtocolListener {
    private final Acceptor acceptor;
    private final MessageMemory messageMemory;

    private PostgresListener(Acceptor acceptor, MessageMemory messageMemory) {
        this.acceptor = acceptor;
        this.messageMemory = messageMemory;
    }

    public static PostgresListener start(HostPort address, PostgresServices services) throws IOException {
        MessageMemory memory = new MessageMemory(services.limits().messageMemory());
        Acceptor acceptor = Acceptor.start("PostgreSQL", address, services.limits(), new Acceptor.Connections() {
            @Override
            public void serve(Socket socket, HandshakeGate.Permit handshake) {
                new PostgresFrontendSession(socket, services, handshake, memory).run();
            }

            @Override
            public void refusePolitely(Socket socket, String message) {
                OverBudgetRefusal.politely(socket, services, message);
            }

            @Override
            public void refuseImmediately(Socket socket, String message) {
                OverBudgetRefusal.immediately(socket, message);
            }
        });
        return new PostgresListener(acceptor, memory);
    }

    @Override
    public int port() {
        return acceptor.port();
    }

    /** Connections in their handshake now (not yet authenticated). */
    public int inHandshake() {
        return acceptor.inHandshake();
    }

    /** Handshake deadlines still armed: none is left behind once connections end. */
    public int pendingDeadlines() {
        return acceptor.pendingDeadlines();
    }

    /** Bytes of {@code limits.message-memory} free now: all of it once no large message is in flight. */
    public long messageMemoryAvailable() {
        return messageMemory.available();
    }

    @Override
    public void close() {
        acceptor.close();
    }
}
