package dev.sluice.postgres;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import dev.sluice.core.SluiceException;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.PostgresTarget;
import dev.sluice.core.config.UpstreamTls;
import dev.sluice.core.spi.Dialer;
import dev.sluice.core.spi.UpstreamLogin;
import dev.sluice.postgres.sql.PinnedSettings;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.BackendKeyData;
import dev.sluice.postgres.wire.BackendMessage.ParameterStatus;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.postgres.wire.Md5Password;
import dev.sluice.postgres.wire.Scram;

/**
 * The connection from Sluice to the real PostgreSQL server, opened with the credential from a {@link TargetGrant}
 * (the caller never sees it): TLS as the connection's mode says, then SCRAM-SHA-256-PLUS, SCRAM-SHA-256, md5,
 * cleartext or trust, as {@link UpstreamAuthRules} allows. After {@link #connect} returns, the relay owns the streams.
 */
final class PostgresUpstream implements AutoCloseable {
    static final int MAX_MESSAGE_SIZE = 256 * 1024 * 1024;
    static final int MAX_STARTUP_MESSAGE_SIZE = 1024 * 1024;
    private static final int HANDSHAKE_TIMEOUT_MS = 30_000;
    private final Socket socket;
    private final RelayInput input;
    private final FrameReader reader;
    private final FrameWriter writer;
    private final List<ParameterStatus> parameters;
    private final BackendKeyData key;
    private final byte status;

    private PostgresUpstream(Socket socket, RelayInput input, FrameReader reader, FrameWriter writer,
                             List<ParameterStatus> parameters, BackendKeyData key, byte status) {
        this.socket = socket;
        this.input = input;
        this.reader = reader;
        this.writer = writer;
        this.parameters = parameters;
        this.key = key;
        this.status = status;
    }

    /** Sluice's own connection (the masking catalog): {@code settings} are passed on as they are. */
    static PostgresUpstream connect(TargetGrant grant, Dialer dialer, Map<String, String> settings)
            throws IOException {
        return connect(grant, dialer, "catalog", settings, settings, FrameReader.Allowance.UNLIMITED);
    }

    /**
     * A client's session. {@code settings} go into the StartupMessage as they are: the caller judged them
     * ({@link StartupSettings}); the {@link PinnedSettings} are always Sluice's own (the client's client_encoding from
     * {@code clientParameters} only when it is accepted). After the startup, the server's messages are accounted by
     * {@code memory} (limits.message-memory).
     */
    static PostgresUpstream connect(TargetGrant grant, Dialer dialer, Map<String, String> clientParameters,
                                    Map<String, String> settings, FrameReader.Allowance memory) throws IOException {
        return connect(grant, dialer, "session", clientParameters, settings, memory);
    }

    private static PostgresUpstream connect(TargetGrant grant, Dialer dialer, String purpose,
                                            Map<String, String> clientParameters, Map<String, String> settings,
                                            FrameReader.Allowance memory) throws IOException {
        ConnectionConfig connection = grant.connection();
        if (connection.via().isPresent()) {
            return viaRelay(grant, dialer, purpose, clientParameters, settings, memory);
        }
        Socket socket = dialer.dial(grant, purpose);
        try {
            return login(socket, connection, clientParameters, settings, memory);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** TLS as the connection's mode says, the StartupMessage and the login with the connection's credential. */
    private static PostgresUpstream login(Socket socket, ConnectionConfig connection,
                                          Map<String, String> clientParameters, Map<String, String> settings,
                                          FrameReader.Allowance memory) throws IOException {
        socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
        Socket secured = negotiateTls(socket, connection);
        RelayInput input = new RelayInput(secured.getInputStream());
        // Until the server is authenticated its messages get a small bound: an impostor cannot make Sluice
        // allocate hundreds of megabytes during the startup.
        FrameReader reader = new FrameReader(input, MAX_STARTUP_MESSAGE_SIZE);
        FrameWriter writer = new FrameWriter(new BufferedOutputStream(secured.getOutputStream(), 64 * 1024));
        writer.write(new FrontendMessage.StartupMessage(196608, startupParameters(connection, clientParameters,
                settings)));
        writer.flush();
        UpstreamAuthRules rules = new UpstreamAuthRules(connection, secured instanceof SSLSocket tls
                ? Optional.of(tls) : Optional.empty());
        PostgresUpstream result = authenticate(secured, input, reader, writer, connection, Optional.of(rules),
                memory);
        secured.setSoTimeout(0);
        requirePinned(result.parameters());
        return result;
    }

    /**
     * A {@code via} connection: the relay logged in with its own user and credential, which the gateway never has;
     * it gets the startup parameters without a user, and the stream it returns starts after AuthenticationOk.
     */
    private static PostgresUpstream viaRelay(TargetGrant grant, Dialer dialer, String purpose,
                                             Map<String, String> clientParameters, Map<String, String> settings,
                                             FrameReader.Allowance memory) throws IOException {
        ConnectionConfig connection = grant.connection();
        Map<String, String> parameters = new LinkedHashMap<>(startupParameters(connection, clientParameters,
                settings));
        parameters.remove("user");
        Socket socket;
        try {
            socket = dialer.dialLoggedIn(grant, purpose, parameters);
        } catch (IOException e) {
            // the relay's words (it never has the gateway's secrets, nor sends its own): safe to show the caller
            throw new UpstreamException(e.getMessage());
        }
        try {
            socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
            RelayInput input = new RelayInput(socket.getInputStream());
            FrameReader reader = new FrameReader(input, MAX_STARTUP_MESSAGE_SIZE);
            FrameWriter writer = new FrameWriter(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
            PostgresUpstream result = authenticate(socket, input, reader, writer, connection, Optional.empty(),
                    memory);
            socket.setSoTimeout(0);
            requirePinned(result.parameters());
            return result;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * The relay's login ({@link PostgresLogin}): TLS and authentication as {@code connection} (the relay's own target,
     * with its credential) says, with the gateway's startup {@code parameters}; the greeting is the server's
     * ParameterStatus, BackendKeyData and ReadyForQuery, re-encoded, so the gateway reads on as after its own login.
     */
    static UpstreamLogin.LoggedIn loginForRelay(ConnectionConfig connection, Socket socket,
                                                Map<String, String> parameters) throws IOException {
        PostgresUpstream upstream = login(socket, connection, parameters, parameters, FrameReader.Allowance.UNLIMITED);
        var greeting = new java.io.ByteArrayOutputStream();
        FrameWriter encoder = new FrameWriter(greeting);
        for (ParameterStatus status : upstream.parameters()) {
            encoder.write(status);
        }
        encoder.write(upstream.key());
        encoder.write(new BackendMessage.ReadyForQuery(upstream.status()));
        encoder.flush();
        return new UpstreamLogin.LoggedIn(greeting.toByteArray(), upstream.input(), upstream.outputStream(),
                upstream);
    }

    /** The grant's PostgreSQL target; a grant for another protocol's connection never gets here. */
    static PostgresTarget target(ConnectionConfig connection) {
        if (connection.target() instanceof PostgresTarget result) {
            return result;
        }
        throw new UpstreamException("connection \"" + connection.name() + "\" is not a PostgreSQL connection");
    }

    private static Map<String, String> startupParameters(ConnectionConfig connection, Map<String, String> client,
                                                         Map<String, String> settings) {
        Map<String, String> result = new LinkedHashMap<>();
        settings.forEach((name, value) -> {
            // defence in depth: never a key that is not a plain setting (StartupSettings already left them out)
            if (!Set.of("user", "database", "options", "replication").contains(name) && !name.startsWith("_pq_.")
                    && !PinnedSettings.pinned(name)) {
                result.put(name, value);
            }
        });
        result.put("user", target(connection).user());
        result.put("database", target(connection).database());
        // Pinned for the whole session: startup parameters outrank ALTER ROLE/DATABASE .. SET and the config file,
        // and RESET / DISCARD ALL return to them.
        result.putAll(PinnedSettings.startup(client));
        return result;
    }

    private static Socket negotiateTls(Socket socket, ConnectionConfig connection) throws IOException {
        UpstreamTls tls = target(connection).tls();
        if (tls.mode() == UpstreamTls.Mode.DISABLE) {
            return socket;
        }
        OutputStream out = socket.getOutputStream();
        FrameWriter writer = new FrameWriter(out);
        writer.write(new FrontendMessage.SSLRequest());
        writer.flush();
        int answer = socket.getInputStream().read();
        if (answer == 'N') {
            if (tls.mode() == UpstreamTls.Mode.PREFER
                    && tls.channelBinding() != UpstreamTls.ChannelBinding.REQUIRE) {
                return socket; // without TLS: no cleartext password or md5 hash goes out (UpstreamAuthRules)
            }
            throw new UpstreamException("the upstream server does not offer TLS, which connection \""
                    + connection.name() + "\" requires");
        }
        if (answer != 'S') {
            throw new UpstreamException("the upstream server answered the TLS request with an unexpected byte");
        }
        SSLContext context = UpstreamTlsContexts.forMode(tls);
        var sslSocket = (SSLSocket) context.getSocketFactory().createSocket(socket,
                connection.address().host(), connection.address().port(), true);
        sslSocket.setUseClientMode(true);
        if (tls.mode() == UpstreamTls.Mode.VERIFY_FULL) {
            var params = sslSocket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            sslSocket.setSSLParameters(params);
        }
        sslSocket.startHandshake();
        return sslSocket;
    }

    private static PostgresUpstream authenticate(Socket socket, RelayInput input, FrameReader reader,
                                                 FrameWriter writer, ConnectionConfig connection,
                                                 Optional<UpstreamAuthRules> login, FrameReader.Allowance memory)
            throws IOException {
        List<ParameterStatus> parameters = new ArrayList<>();
        BackendKeyData key = new BackendKeyData(0, 0);
        Scram scram = null;
        while (true) {
            Frame frame = reader.read();
            BackendMessage message = BackendMessage.decode(frame);
            if (login.isEmpty() && frame.type() == 'R') {
                // fail closed: after a relay's login no authentication request may follow; the gateway has no
                // credential to answer it with, and must never be made to look for one
                throw new UpstreamException("the relay sent an authentication message after its login");
            }
            UpstreamAuthRules rules = login.orElse(null);
            switch (message) {
                case BackendMessage.AuthenticationOk ok -> rules.checkOk(Optional.ofNullable(scram));
                case BackendMessage.AuthenticationCleartextPassword p -> {
                    rules.checkPasswordMayGo("a cleartext password");
                    writer.write(new FrontendMessage.PasswordMessage(nulTerminated(target(connection).password().reveal())));
                    writer.flush();
                }
                case BackendMessage.AuthenticationMD5Password md5 -> {
                    rules.checkPasswordMayGo("an md5 password hash");
                    writer.write(new FrontendMessage.PasswordMessage(
                            Md5Password.encode(target(connection).user(), target(connection).password(), md5.salt())));
                    writer.flush();
                }
                case BackendMessage.AuthenticationSASL sasl -> {
                    if (scram != null) {
                        throw new UpstreamException("the upstream server started SASL twice");
                    }
                    scram = Scram.client(target(connection).user(), target(connection).password(), rules.binding(sasl.mechanisms()));
                    writer.write(FrontendMessage.saslInitialResponse(scram.mechanism(), scram.clientFirstMessage()));
                    writer.flush();
                }
                case BackendMessage.AuthenticationSASLContinue next -> {
                    requireScram(scram);
                    writer.write(FrontendMessage.saslResponse(scram.clientFinalMessage(next.data())));
                    writer.flush();
                }
                case BackendMessage.AuthenticationSASLFinal last -> {
                    requireScram(scram);
                    scram.verifyServerFinal(last.data());
                }
                case BackendMessage.AuthenticationOther other ->
                        throw new UpstreamException("the upstream server asks for an authentication method Sluice "
                                + "does not support (code " + other.code() + ")");
                case BackendMessage.ParameterStatus status -> parameters.add(status);
                case BackendMessage.BackendKeyData data -> key = data;
                case BackendMessage.NoticeResponse notice -> { }
                case BackendMessage.NegotiateProtocolVersion negotiate -> { }
                case BackendMessage.ErrorResponse error -> throw upstreamError(error, connection);
                case BackendMessage.ReadyForQuery ready -> {
                    return new PostgresUpstream(socket, input, new FrameReader(input, MAX_MESSAGE_SIZE, memory),
                            writer, List.copyOf(parameters), key, ready.status());
                }
                default -> throw new UpstreamException("unexpected message '" + (char) frame.type()
                        + "' from the upstream server during startup");
            }
        }
    }

    /** Fail closed: a server whose reported settings are not Sluice's pins serves no session. */
    private static void requirePinned(List<ParameterStatus> reported) {
        Map<String, String> values = new LinkedHashMap<>();
        reported.forEach(status -> values.put(status.name(), status.value()));
        PinnedSettings.upstreamRefusal(values).ifPresent(reason -> {
            throw new UpstreamException(reason);
        });
    }

    private static void requireScram(Scram scram) {
        if (scram == null) {
            throw new UpstreamException("SASL message from the upstream server out of order");
        }
    }

    private static UpstreamException upstreamError(BackendMessage.ErrorResponse error, ConnectionConfig connection) {
        String sqlState = error.sqlState();
        if (sqlState.startsWith("28")) {
            // Never relay the upstream's words here: they name the injected upstream user.
            return new UpstreamException("the upstream server refused Sluice's credential for connection \""
                    + connection.name() + "\" (SQLSTATE " + sqlState + ")");
        }
        return new UpstreamException("the upstream server refused the connection: " + error.message()
                + " (SQLSTATE " + sqlState + ")");
    }

    private static byte[] nulTerminated(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] result = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, result, 0, bytes.length);
        return result;
    }

    RelayInput input() {
        return input;
    }

    FrameReader reader() {
        return reader;
    }

    FrameWriter writer() {
        return writer;
    }

    /** The socket's raw output, for a relay that hands the stream on after the login. */
    private java.io.OutputStream outputStream() throws IOException {
        return socket.getOutputStream();
    }

    List<ParameterStatus> parameters() {
        return parameters;
    }

    BackendKeyData key() {
        return key;
    }

    byte status() {
        return status;
    }

    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException | UnsupportedOperationException e) {
            close();
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** The upstream could not be reached or refused Sluice. The message is safe to show the caller. */
    static final class UpstreamException extends SluiceException {
        UpstreamException(String message) {
            super(message);
        }
    }
}
