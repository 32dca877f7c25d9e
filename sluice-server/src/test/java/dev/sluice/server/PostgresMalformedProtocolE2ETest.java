package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * Hostile bytes on a raw socket (plaintext allowed on loopback for this harness): oversized, negative, garbage and
 * truncated messages, before and after authentication. Each gets an ErrorResponse where the protocol allows and a
 * closed connection, never a hang; and Sluice keeps serving normal clients.
 */
class PostgresMalformedProtocolE2ETest {
    private static final int TIMEOUT_MS = 10_000;
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        harness = GatewayHarness.start("""
                tls:
                  allow-plaintext: true
                """);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @AfterEach
    void sluiceStillServesNormalClients() throws Exception {
        try (Connection c = harness.connect("after", "agents"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select 6 * 7")) {
            r.next();
            assertThat(r.getInt(1)).isEqualTo(42);
        }
    }

    @Test
    void startupPacketOfMaximumLengthIsRefused() throws Exception {
        try (Raw raw = Raw.open()) {
            raw.out.writeInt(Integer.MAX_VALUE);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void startupPacketWithNegativeLengthIsRefused() throws Exception {
        try (Raw raw = Raw.open()) {
            raw.out.writeInt(-8);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void startupPacketWithUnknownCodeIsRefused() throws Exception {
        try (Raw raw = Raw.open()) {
            raw.out.writeInt(8);
            raw.out.writeInt(0x12345678);
            raw.out.flush();
            assertThat(raw.errorThenClose()).isPresent();
        }
    }

    @Test
    void garbageInsteadOfAStartupPacketIsRefused() throws Exception {
        try (Raw raw = Raw.open()) {
            raw.out.write("GET / HTTP/1.1\r\nHost: sluice\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void truncatedStartupPacketThenCloseEndsTheConnection() throws Exception {
        try (Raw raw = Raw.open()) {
            raw.out.writeInt(100);
            raw.out.writeInt(196608);
            raw.out.write("user\0ag".getBytes(StandardCharsets.US_ASCII));
            raw.out.flush();
            raw.socket.shutdownOutput();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void gigabyteMessageAfterAuthenticationIsRefused() throws Exception {
        try (Raw raw = Raw.authenticated("huge")) {
            raw.out.writeByte('Q');
            raw.out.writeInt(1 << 30);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
        assertThat(sessionEnds("huge")).singleElement()
                .satisfies(e -> assertThat(e.details().get("reason").toString()).contains("protocol violation"));
    }

    @Test
    void negativeMessageLengthAfterAuthenticationIsRefused() throws Exception {
        try (Raw raw = Raw.authenticated("negative")) {
            raw.out.writeByte('Q');
            raw.out.writeInt(-1);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void unknownMessageTypeAfterAuthenticationIsRefused() throws Exception {
        try (Raw raw = Raw.authenticated("unknown-type")) {
            raw.out.writeByte('!');
            raw.out.writeInt(4);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void malformedBindAfterAuthenticationIsRefused() throws Exception {
        try (Raw raw = Raw.authenticated("bad-bind")) {
            byte[] payload = {0, 0, (byte) 0x7F, (byte) 0xFF, 1, 2, 3};
            raw.out.writeByte('B');
            raw.out.writeInt(4 + payload.length);
            raw.out.write(payload);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void queryWithoutTerminatorAfterAuthenticationIsRefused() throws Exception {
        try (Raw raw = Raw.authenticated("no-nul")) {
            byte[] sql = "select 1".getBytes(StandardCharsets.US_ASCII);
            raw.out.writeByte('Q');
            raw.out.writeInt(4 + sql.length);
            raw.out.write(sql);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void truncatedMessageThenCloseAfterAuthenticationEndsTheSession() throws Exception {
        try (Raw raw = Raw.authenticated("truncated")) {
            raw.out.writeByte('Q');
            raw.out.writeInt(1000);
            raw.out.write("select".getBytes(StandardCharsets.US_ASCII));
            raw.out.flush();
            raw.socket.shutdownOutput();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
        assertThat(sessionEnds("truncated")).hasSize(1);
    }

    @Test
    void garbageAfterAuthenticationEndsTheSession() throws Exception {
        byte[] garbage = new byte[4096];
        new java.util.Random(20240601L).nextBytes(garbage);
        garbage[0] = 'Q';
        garbage[1] = (byte) 0xC3;
        try (Raw raw = Raw.authenticated("garbage-after-auth")) {
            raw.out.write(garbage);
            raw.out.flush();
            assertThat(raw.errorThenClose()).hasValue("08P01");
        }
    }

    @Test
    void cancelRequestWithAnUnknownKeyIsClosedWithoutAnswer() throws Exception {
        try (Raw raw = Raw.open()) {
            raw.out.writeInt(16);
            raw.out.writeInt(80877102);
            raw.out.writeInt(12345);
            raw.out.writeInt(67890);
            raw.out.flush();
            assertThat(raw.errorThenClose()).isEmpty();
        }
    }

    /** session.end is appended without waiting for durability, after the client saw the close: poll briefly. */
    private static List<AuditRecord> sessionEnds(String subject) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<AuditRecord> result = harness.audit(AuditQuery.all().withSubject(subject).withKind("session.end"));
            if (!result.isEmpty() || System.nanoTime() > deadline) {
                return result;
            }
            Thread.sleep(50);
        }
    }

    /** A PostgreSQL client written by hand, speaking plaintext. */
    private static final class Raw implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;

        private Raw(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = new DataOutputStream(socket.getOutputStream());
        }

        static Raw open() throws IOException {
            Socket socket = new Socket("127.0.0.1", harness.port());
            socket.setSoTimeout(TIMEOUT_MS);
            return new Raw(socket);
        }

        /** Opens a plaintext session with a valid token and reads up to the first ReadyForQuery. */
        static Raw authenticated(String subject) throws IOException {
            Raw result = open();
            ByteArrayOutputStream startup = new ByteArrayOutputStream();
            DataOutputStream body = new DataOutputStream(startup);
            body.writeInt(196608);
            body.write("user\0agent\0database\0orders\0application_name\0raw\0\0".getBytes(StandardCharsets.US_ASCII));
            result.out.writeInt(4 + startup.size());
            result.out.write(startup.toByteArray());
            result.out.flush();
            assertThat(result.in.readByte()).isEqualTo((byte) 'R');
            result.in.readInt();
            assertThat(result.in.readInt()).as("cleartext password request").isEqualTo(3);
            byte[] token = (harness.token(subject, "agents") + "\0").getBytes(StandardCharsets.US_ASCII);
            result.out.writeByte('p');
            result.out.writeInt(4 + token.length);
            result.out.write(token);
            result.out.flush();
            while (true) {
                byte type = result.in.readByte();
                byte[] payload = new byte[result.in.readInt() - 4];
                result.in.readFully(payload);
                assertThat(type).as("message during startup").isNotEqualTo((byte) 'E');
                if (type == 'Z') {
                    return result;
                }
            }
        }

        /**
         * Reads until the server closes; returns the SQLSTATE of the ErrorResponse seen (empty if none). Fails if
         * the connection is still open after the socket timeout.
         */
        Optional<String> errorThenClose() throws IOException {
            List<String> states = new ArrayList<>();
            try {
                while (true) {
                    int type = in.read();
                    if (type < 0) {
                        break;
                    }
                    byte[] payload = new byte[in.readInt() - 4];
                    in.readFully(payload);
                    if (type == 'E') {
                        states.add(sqlState(payload));
                    }
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("Sluice neither answered nor closed within " + TIMEOUT_MS + " ms", e);
            } catch (EOFException | SocketException e) {
                // closed (or reset) by Sluice
            }
            return states.stream().findFirst();
        }

        private static String sqlState(byte[] payload) {
            int i = 0;
            while (i < payload.length && payload[i] != 0) {
                byte code = payload[i++];
                int end = i;
                while (payload[end] != 0) {
                    end++;
                }
                if (code == 'C') {
                    return new String(payload, i, end - i, StandardCharsets.UTF_8);
                }
                i = end + 1;
            }
            return "";
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
