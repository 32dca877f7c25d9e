package dev.sluice.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** On real loopback sockets: the caps, the per-address share, the deadline, and that nothing is left behind. */
class HandshakeGateTest {
    private final List<Socket> sockets = new ArrayList<>();
    private final ServerSocket server = server();

    @AfterEach
    void close() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.close();
    }

    @Test
    void oneAddressGetsOnlyItsShareAndAnotherStillGetsIn() throws Exception {
        try (HandshakeGate gate = new HandshakeGate(4, 2, Duration.ofMinutes(1))) {
            HandshakeGate.Permit a = gate.tryEnter(accepted("127.0.0.2"));
            gate.tryEnter(accepted("127.0.0.2"));
            assertThatThrownBy(() -> gate.tryEnter(accepted("127.0.0.2")))
                    .isInstanceOfSatisfying(HandshakeGate.Refused.class,
                            e -> assertThat(e.refusal).isEqualTo(HandshakeGate.Refusal.ADDRESS));
            gate.tryEnter(accepted("127.0.0.3"));
            gate.tryEnter(accepted("127.0.0.4"));
            assertThatThrownBy(() -> gate.tryEnter(accepted("127.0.0.5")))
                    .isInstanceOfSatisfying(HandshakeGate.Refused.class,
                            e -> assertThat(e.refusal).isEqualTo(HandshakeGate.Refusal.TOTAL));
            a.close();
            a.close(); // idempotent
            assertThat(gate.inHandshake()).isEqualTo(3);
            gate.tryEnter(accepted("127.0.0.2"));
        }
    }

    @Test
    void theDeadlineClosesTheSocketAndAClosedPermitLeavesNoDeadlineBehind() throws Exception {
        try (HandshakeGate gate = new HandshakeGate(4, 4, Duration.ofMillis(300))) {
            Socket slow = accepted("127.0.0.1");
            HandshakeGate.Permit expiring = gate.tryEnter(slow);
            HandshakeGate.Permit done = gate.tryEnter(accepted("127.0.0.1"));
            done.close();
            assertThat(gate.pendingDeadlines()).isEqualTo(1);
            Thread.sleep(600);
            assertThat(slow.isClosed()).isTrue();
            assertThat(expiring.expired()).isTrue();
            assertThat(done.expired()).isFalse();
            expiring.close();
            assertThat(gate.inHandshake()).isZero();
            assertThat(gate.pendingDeadlines()).isZero();
        }
    }

    @Test
    void aClientThatHasSentItsPasswordKeepsItsPlaceButNotItsClock() throws Exception {
        try (HandshakeGate gate = new HandshakeGate(4, 4, Duration.ofMillis(200))) {
            Socket socket = accepted("127.0.0.1");
            HandshakeGate.Permit permit = gate.tryEnter(socket);
            permit.clientDone();
            Thread.sleep(400);
            assertThat(socket.isClosed()).isFalse();
            assertThat(gate.inHandshake()).isEqualTo(1);
            permit.close();
            assertThat(gate.inHandshake()).isZero();
        }
    }

    private Socket accepted(String from) throws IOException {
        Socket client = new Socket();
        client.bind(new InetSocketAddress(from, 0));
        client.connect(server.getLocalSocketAddress());
        sockets.add(client);
        Socket result = server.accept();
        sockets.add(result);
        return result;
    }

    private static ServerSocket server() {
        try {
            ServerSocket result = new ServerSocket();
            result.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return result;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
