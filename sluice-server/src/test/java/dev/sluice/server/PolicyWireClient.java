package dev.sluice.server;

import java.io.IOException;
import java.net.Socket;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import dev.sluice.core.Secret;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage;

/**
 * A bare PostgreSQL protocol client for tests that need exact control of the message stream (statement names,
 * pipelining, messages no driver sends in that order). TLS is accepted without verification: the tests only talk to
 * their own gateway on loopback.
 */
final class PolicyWireClient implements AutoCloseable {
    private final Socket socket;
    private final FrameReader reader;
    private final FrameWriter writer;

    private PolicyWireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.reader = new FrameReader(socket.getInputStream(), 1 << 24);
        this.writer = new FrameWriter(socket.getOutputStream());
    }

    /** Connects through Sluice to {@code orders} with {@code token} and waits for the first ReadyForQuery. */
    static PolicyWireClient connect(int port, String token) throws Exception {
        return connect(port, token, Map.of());
    }

    /** As {@link #connect(int, String)}, with further startup parameters ({@code client_encoding}, ...). */
    static PolicyWireClient connect(int port, String token, Map<String, String> parameters) throws Exception {
        Socket plain = new Socket("127.0.0.1", port);
        plain.setSoTimeout(20_000);
        FrameWriter hello = new FrameWriter(plain.getOutputStream());
        hello.write(new FrontendMessage.SSLRequest());
        hello.flush();
        if (plain.getInputStream().read() != 'S') {
            plain.close();
            throw new IOException("the gateway refused TLS");
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
        socket.startHandshake();
        PolicyWireClient result = new PolicyWireClient(socket);
        Map<String, String> wanted = new java.util.LinkedHashMap<>(Map.of("user", "agent", "database", "orders"));
        wanted.putAll(parameters);
        result.send(FrontendMessage.StartupMessage.v3(wanted));
        Frame auth = result.reader.read();
        if (!(BackendMessage.decode(auth) instanceof BackendMessage.AuthenticationCleartextPassword)) {
            throw new IOException("expected a cleartext password request, got " + auth);
        }
        result.send(FrontendMessage.PasswordMessage.cleartext(Secret.of(token)));
        List<BackendMessage> startup = result.untilReady();
        if (startup.stream().anyMatch(BackendMessage.ErrorResponse.class::isInstance)) {
            throw new IOException("login failed: " + startup);
        }
        return result;
    }

    /** Writes the messages and flushes. */
    PolicyWireClient send(FrontendMessage... messages) throws IOException {
        for (FrontendMessage message : messages) {
            writer.write(message);
        }
        writer.flush();
        return this;
    }

    /** Writes raw frames (e.g. a Query whose text is not UTF-8) and flushes. */
    PolicyWireClient sendFrames(Frame... frames) throws IOException {
        for (Frame frame : frames) {
            writer.write(frame);
        }
        writer.flush();
        return this;
    }

    /** Parse, Bind and Execute of {@code sql} under {@code statement}, with the unnamed portal. */
    PolicyWireClient run(String statement, String sql) throws IOException {
        return send(parse(statement, sql), bind(statement), execute());
    }

    static FrontendMessage.Parse parse(String statement, String sql) {
        return new FrontendMessage.Parse(statement, sql, new int[0]);
    }

    static FrontendMessage.Bind bind(String statement) {
        return new FrontendMessage.Bind("", statement, new short[0], new byte[0][], new short[0]);
    }

    static FrontendMessage.Execute execute() {
        return new FrontendMessage.Execute("", 0);
    }

    /** Bind of {@code statement} into the portal {@code portal}, without parameters. */
    static FrontendMessage.Bind bind(String portal, String statement) {
        return new FrontendMessage.Bind(portal, statement, new short[0], new byte[0][], new short[0]);
    }

    /** Execute of {@code portal}, at most {@code rows} rows (0: all). */
    static FrontendMessage.Execute execute(String portal, int rows) {
        return new FrontendMessage.Execute(portal, rows);
    }

    /** Close of the prepared statement ({@code 'S'}) or portal ({@code 'P'}) {@code name}. */
    static FrontendMessage.Close close(char target, String name) {
        return new FrontendMessage.Close((byte) target, name);
    }

    static FrontendMessage.Describe describe(char target, String name) {
        return new FrontendMessage.Describe((byte) target, name);
    }

    static FrontendMessage.Query query(String sql) {
        return new FrontendMessage.Query(sql);
    }

    static FrontendMessage.Sync sync() {
        return new FrontendMessage.Sync();
    }

    /** Reads the next message, whatever it is (blocks up to the socket's 20 s timeout). */
    BackendMessage next() throws IOException {
        return BackendMessage.decode(reader.read());
    }

    /** Reads every message up to and including the next ReadyForQuery. */
    List<BackendMessage> untilReady() throws IOException {
        List<BackendMessage> result = new ArrayList<>();
        while (true) {
            BackendMessage message = BackendMessage.decode(reader.read());
            if (message instanceof BackendMessage.NoticeResponse || message instanceof BackendMessage.ParameterStatus) {
                continue;
            }
            result.add(message);
            if (message instanceof BackendMessage.ReadyForQuery) {
                return result;
            }
        }
    }

    /** As {@link #untilReady()}, but also returns what came before the server closed the connection. */
    List<BackendMessage> untilReadyOrClosed() {
        List<BackendMessage> result = new ArrayList<>();
        try {
            while (true) {
                BackendMessage message = BackendMessage.decode(reader.read());
                if (message instanceof BackendMessage.NoticeResponse
                        || message instanceof BackendMessage.ParameterStatus) {
                    continue;
                }
                result.add(message);
                if (message instanceof BackendMessage.ReadyForQuery) {
                    return result;
                }
            }
        } catch (IOException | RuntimeException closed) {
            return result;
        }
    }

    /** The message types in order, as the protocol letters, e.g. {@code "12CEZ"}. */
    static String types(List<BackendMessage> messages) {
        StringBuilder result = new StringBuilder();
        messages.forEach(m -> result.append((char) m.toFrame().type()));
        return result.toString();
    }

    static List<BackendMessage.ErrorResponse> errors(List<BackendMessage> messages) {
        return messages.stream().filter(BackendMessage.ErrorResponse.class::isInstance)
                .map(BackendMessage.ErrorResponse.class::cast).toList();
    }

    @Override
    public void close() throws IOException {
        try {
            send(new FrontendMessage.Terminate());
        } catch (IOException e) {
            // already gone
        }
        socket.close();
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
