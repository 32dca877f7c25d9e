package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.Socket;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.Secret;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage;

/**
 * Issue 15, newer clients: {@code sslnegotiation=direct} (PostgreSQL 17+ clients start TLS at once, without an
 * SSLRequest, offering the ALPN protocol {@code postgresql}): Sluice answers with TLS and the session runs as usual;
 * protocol 3.2 (PostgreSQL 18 clients): Sluice answers NegotiateProtocolVersion with 3.0, as a server that speaks
 * 3.0 does, and the session runs in 3.0 (libpq 18 accepts that by default). The machine's libpq is 15, so the
 * clients here are raw ones doing what libpq 17/18 do.
 */
class NewerClientsE2ETest {
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        harness = GatewayHarness.start("");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void aDirectTlsClientOfferingAlpnPostgresqlGetsASession() throws Exception {
        try (SSLSocket socket = direct(new String[] {"postgresql"})) {
            assertThat(socket.getApplicationProtocol()).isEqualTo("postgresql");
            FrameWriter writer = new FrameWriter(socket.getOutputStream());
            FrameReader reader = new FrameReader(new BufferedInputStream(socket.getInputStream()), 1 << 20);
            writer.write(FrontendMessage.StartupMessage.v3(Map.of("user", "agent", "database", "orders")));
            writer.flush();
            assertThat(BackendMessage.decode(reader.read()))
                    .isInstanceOf(BackendMessage.AuthenticationCleartextPassword.class);
            writer.write(FrontendMessage.PasswordMessage.cleartext(Secret.of(harness.token("direct-tls", "agents"))));
            writer.flush();
            assertThat(untilReady(reader)).noneMatch(BackendMessage.ErrorResponse.class::isInstance);
            writer.write(new FrontendMessage.Query("SELECT 41 + 1"));
            writer.flush();
            assertThat(untilReady(reader)).anyMatch(m -> m instanceof BackendMessage.DataRow row
                    && new String(row.values()[0], java.nio.charset.StandardCharsets.UTF_8).equals("42"));
        }
        assertThat(harness.audit(AuditQuery.all().withSubject("direct-tls").withKind("command")))
                .anyMatch(r -> r.statement().equals("SELECT 41 + 1") && r.verdict().equals("allow"));
    }

    @Test
    void aDirectTlsClientWithoutAlpnIsRefused() throws Exception {
        boolean refused;
        try (SSLSocket socket = direct(new String[0])) {
            FrameReader reader = new FrameReader(new BufferedInputStream(socket.getInputStream()), 1 << 20);
            BackendMessage answer = BackendMessage.decode(reader.read());
            refused = answer instanceof BackendMessage.ErrorResponse error
                    && error.message().contains("without the ALPN protocol postgresql");
        } catch (IOException e) {
            refused = true; // the handshake itself may fail
        }
        assertThat(refused).isTrue();
    }

    @Test
    void aProtocol32ClientIsAnsweredWithThreeZeroAndGetsASession() throws Exception {
        try (SSLSocket socket = direct(new String[] {"postgresql"})) {
            FrameWriter writer = new FrameWriter(socket.getOutputStream());
            FrameReader reader = new FrameReader(new BufferedInputStream(socket.getInputStream()), 1 << 20);
            writer.write(new FrontendMessage.StartupMessage(3 << 16 | 2, Map.of("user", "agent", "database",
                    "orders")));
            writer.flush();
            BackendMessage first = BackendMessage.decode(reader.read());
            assertThat(first).isInstanceOfSatisfying(BackendMessage.NegotiateProtocolVersion.class,
                    n -> assertThat(n.minor()).isZero());
            assertThat(BackendMessage.decode(reader.read()))
                    .isInstanceOf(BackendMessage.AuthenticationCleartextPassword.class);
            writer.write(FrontendMessage.PasswordMessage.cleartext(Secret.of(harness.token("proto-32", "agents"))));
            writer.flush();
            assertThat(untilReady(reader)).noneMatch(BackendMessage.ErrorResponse.class::isInstance)
                    .anyMatch(BackendMessage.BackendKeyData.class::isInstance);
            writer.write(new FrontendMessage.Query("SELECT 1"));
            writer.flush();
            assertThat(untilReady(reader)).anyMatch(BackendMessage.DataRow.class::isInstance);
        }
    }

    private static SSLSocket direct(String[] alpn) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
        Socket plain = new Socket("127.0.0.1", harness.port());
        plain.setSoTimeout(20_000);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", harness.port(), true);
        if (alpn.length > 0) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(alpn);
            socket.setSSLParameters(parameters);
        }
        socket.startHandshake(); // no SSLRequest first: the ClientHello is the first thing sent
        return socket;
    }

    private static List<BackendMessage> untilReady(FrameReader reader) throws IOException {
        List<BackendMessage> result = new ArrayList<>();
        while (true) {
            Frame frame = reader.read();
            BackendMessage message = BackendMessage.decode(frame);
            result.add(message);
            if (message instanceof BackendMessage.ReadyForQuery || (message instanceof BackendMessage.ErrorResponse e
                    && "FATAL".equals(e.fields().get('S')))) {
                return result;
            }
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
