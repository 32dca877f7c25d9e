package dev.sluice.postgres;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage;

/**
 * Refuses a connection over the handshake budget in words a TLS client shows its user: libpq does not display an
 * ErrorResponse sent in answer to SSLRequest ("server sent an error response during SSL exchange"), so the refusal
 * answers 'S', completes TLS, reads the StartupMessage and only then sends 53300. A CancelRequest is still carried
 * out, so cancelling works under a flood. The caller bounds how many run at once and closes the socket at a deadline;
 * past that bound it sends the bare ErrorResponse at once instead ({@link #immediately}).
 */
final class OverBudgetRefusal {
    private OverBudgetRefusal() {
    }

    /** Runs on its own virtual thread; returns once the client has its answer or the socket is closed. */
    static void politely(Socket socket, PostgresServices services, String message) {
        try (socket) {
            Socket current = socket;
            FrameReader reader = new FrameReader(current.getInputStream(), 4);
            for (int packets = 0; packets < 3; packets++) {
                switch (FrontendMessage.decodeStartup(reader.readStartup())) {
                    case FrontendMessage.SSLRequest ssl -> {
                        Optional<SSLContext> tls = services.tls();
                        if (tls.isEmpty() || current instanceof SSLSocket) {
                            answer(current, 'N');
                            continue;
                        }
                        answer(current, 'S');
                        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
                        SSLSocket secured = (SSLSocket) tls.get().getSocketFactory().createSocket(socket,
                                remote.getHostString(), remote.getPort(), true);
                        secured.setUseClientMode(false);
                        secured.startHandshake();
                        current = secured;
                        reader = new FrameReader(current.getInputStream(), 4);
                    }
                    case FrontendMessage.GSSENCRequest gss -> answer(current, 'N');
                    case FrontendMessage.CancelRequest cancel -> {
                        services.cancels().cancel(cancel);
                        return;
                    }
                    default -> {
                        immediately(current, message);
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away, sent garbage or was cut at the deadline: it is refused either way
        }
    }

    /** Writes the ErrorResponse in clear at once and closes: the fast path when many are refused at the same time. */
    static void immediately(Socket socket, String message) {
        try (socket) {
            FrameWriter writer = new FrameWriter(new BufferedOutputStream(socket.getOutputStream(), 512));
            writer.write(PostgresErrors.fatal(PostgresErrors.TOO_MANY_CONNECTIONS, message));
            writer.flush();
        } catch (IOException e) {
            // nothing more to tell a client that is gone
        }
    }

    private static void answer(Socket socket, char answer) throws IOException {
        socket.getOutputStream().write(answer);
        socket.getOutputStream().flush();
    }
}
