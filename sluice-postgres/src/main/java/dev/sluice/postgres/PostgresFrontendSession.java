package dev.sluice.postgres;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.AccessRefusedException;
import dev.sluice.core.access.SessionGuard;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditWriteException;
import dev.sluice.core.audit.SessionId;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.BackendKeyData;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.postgres.wire.WireException;

/**
 * One client connection, from its first byte to its close, on one virtual thread: the startup phase (SSLRequest
 * answered with TLS, GSSENCRequest declined, CancelRequest routed, StartupMessage), the core access flow with the
 * token as the password, the upstream connection with the injected credential, then the {@link PostgresRelay}.
 *
 * <pre>
 *  client                     Sluice                               PostgreSQL
 *  SSLRequest        ──►  'S' + TLS handshake
 *  StartupMessage    ──►  (database = connection name)
 *                    ◄──  AuthenticationCleartextPassword
 *  PasswordMessage   ──►  token → AccessFlow (verify, allow, audit)
 *                                                     ──►  StartupMessage (configured user/db), SCRAM…
 *                                                     ◄──  ParameterStatus…, BackendKeyData, ReadyForQuery
 *                    ◄──  AuthenticationOk, ParameterStatus…, Sluice's BackendKeyData, ReadyForQuery
 *                    ◄──►  relay (two virtual threads)
 * </pre>
 */
final class PostgresFrontendSession {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresFrontendSession.class);
    static final int MAX_STARTUP_SIZE = 10_000;
    static final int MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
    private static final int STARTUP_TIMEOUT_MS = 30_000;
    private static final int PROTOCOL_3_0 = 196608;

    private final PostgresServices services;
    private Socket socket;
    private RelayInput input;
    private FrameReader reader;
    private FrameWriter writer;
    private boolean secure;

    PostgresFrontendSession(Socket socket, PostgresServices services) {
        this.socket = socket;
        this.services = services;
    }

    void run() {
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(STARTUP_TIMEOUT_MS);
            streams(socket);
            Optional<FrontendMessage.StartupMessage> startup = startupPhase();
            if (startup.isPresent()) {
                serve(startup.get());
            }
        } catch (EOFException | SocketTimeoutException e) {
            LOG.debug("client {} went away during startup", address());
        } catch (WireException e) {
            tell(PostgresErrors.fatal(PostgresErrors.PROTOCOL_VIOLATION, "invalid startup: " + e.getMessage()));
        } catch (IOException e) {
            LOG.debug("client {}: {}", address(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("client {}: unexpected failure", address(), e);
            tell(PostgresErrors.fatal(PostgresErrors.SYSTEM_ERROR, "internal error in Sluice"));
        } finally {
            close();
        }
    }

    private void streams(Socket s) throws IOException {
        input = new RelayInput(s.getInputStream());
        reader = new FrameReader(input, MAX_MESSAGE_SIZE);
        writer = new FrameWriter(new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
    }

    /** Reads until a StartupMessage; empty when the connection was a cancel request or was refused. */
    private Optional<FrontendMessage.StartupMessage> startupPhase() throws IOException {
        while (true) {
            Frame frame = reader.readStartup();
            switch (FrontendMessage.decodeStartup(frame)) {
                case FrontendMessage.SSLRequest ssl -> startTls();
                case FrontendMessage.GSSENCRequest gss -> {
                    writeRaw('N');
                }
                case FrontendMessage.CancelRequest cancel -> {
                    services.cancels().cancel(cancel);
                    return Optional.empty();
                }
                case FrontendMessage.StartupMessage startup -> {
                    return Optional.of(startup);
                }
                default -> throw new dev.sluice.postgres.wire.MalformedMessageException("unexpected startup packet");
            }
        }
    }

    private void startTls() throws IOException {
        if (secure) {
            throw new dev.sluice.postgres.wire.MalformedMessageException("SSLRequest inside TLS");
        }
        if (services.tls().isEmpty()) {
            writeRaw('N');
            return;
        }
        // Bytes sent after SSLRequest but before the handshake would be read as plaintext: refuse them
        // (the buffering flaw of CVE-2021-23214).
        if (input.available() > 0) {
            throw new dev.sluice.postgres.wire.MalformedMessageException("data received after SSLRequest");
        }
        writeRaw('S');
        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        SSLSocket tls = (SSLSocket) services.tls().get().getSocketFactory().createSocket(socket,
                remote.getHostString(), remote.getPort(), true);
        tls.setUseClientMode(false);
        tls.startHandshake();
        socket = tls;
        secure = true;
        streams(tls);
    }

    private void serve(FrontendMessage.StartupMessage startup) throws IOException {
        Map<String, String> parameters = startup.parameters();
        String claimedUser = parameters.getOrDefault("user", "");
        String connection = parameters.getOrDefault("database", claimedUser);
        AuditContext context = new AuditContext(SessionId.random(), Optional.empty(), connection, address());
        if (startup.protocolVersion() >> 16 != 3) {
            tell(PostgresErrors.fatal(PostgresErrors.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol "
                    + (startup.protocolVersion() >> 16) + "." + (startup.protocolVersion() & 0xFFFF)));
            return;
        }
        negotiateMinorVersion(startup);
        if (!secure && !services.allowPlaintext()) {
            recordQuietly(new AuditEvent.AuthFailed(services.clock().instant(), context, "postgres", claimedUser,
                    "TLS required"));
            tell(PostgresErrors.fatal(PostgresErrors.INVALID_AUTHORIZATION,
                    "Sluice requires TLS: connect with sslmode=require"));
            return;
        }
        TargetGrant grant;
        try {
            grant = services.access().authorize(context, claimedUser, new PostgresTransport(reader, writer));
        } catch (AccessRefusedException e) {
            return;
        }
        PostgresUpstream upstream;
        try {
            upstream = PostgresUpstream.connect(grant, parameters);
        } catch (IOException | RuntimeException e) {
            LOG.warn("session {}: cannot open connection {}: {}", context.session(), connection, e.getMessage());
            String why = e instanceof PostgresUpstream.UpstreamException ? e.getMessage()
                    : "the upstream server is unreachable";
            tell(PostgresErrors.fatal(PostgresErrors.CANNOT_CONNECT, "Sluice could not open connection \""
                    + connection + "\": " + why));
            return;
        }
        try (upstream) {
            relay(grant, upstream, claimedUser, parameters.getOrDefault("application_name", ""));
        }
    }

    private void relay(TargetGrant grant, PostgresUpstream upstream, String claimedUser, String application)
            throws IOException {
        SessionGuard guard = new SessionGuard(grant, services.state(), services.audit(), services.clock(),
                services.approvals());
        try {
            guard.started("postgres", claimedUser, application);
        } catch (AuditWriteException e) {
            // Fail closed: a session that cannot be audited does not start.
            LOG.error("session {}: audit write failed", grant.context().session(), e);
            tell(PostgresErrors.fatal(PostgresErrors.SYSTEM_ERROR,
                    "Sluice cannot record this session in its audit trail; refused"));
            return;
        }
        BackendKeyData key = services.cancels().register(grant.connection().address(), upstream.key());
        try {
            writer.write(new BackendMessage.AuthenticationOk());
            for (BackendMessage.ParameterStatus status : upstream.parameters()) {
                writer.write(status);
            }
            writer.write(key);
            writer.write(new BackendMessage.ReadyForQuery(upstream.status()));
            writer.flush();
            socket.setSoTimeout(0);
            PostgresRelay relay = new PostgresRelay(socket, input, reader, writer, upstream, guard,
                    new PostgresCommandMapper(services.classifier()), services.clock());
            services.cancels().listen(key, relay::cancelHold);
            AutoCloseable expiry = guard.watchExpiry(relay::terminate); // grant or token expiry: FATAL 57P01
            String reason;
            try {
                reason = relay.run();
            } finally {
                closeQuietly(expiry);
            }
            guard.ended(relay.bytesFromClient(), relay.bytesToClient(), reason);
        } finally {
            services.cancels().unregister(key);
        }
    }

    /** Protocol 3.x with x > 0, or _pq_ options: say what we speak, as PostgreSQL does. */
    private void negotiateMinorVersion(FrontendMessage.StartupMessage startup) throws IOException {
        List<String> unsupported = startup.parameters().keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        if (startup.protocolVersion() != PROTOCOL_3_0 || !unsupported.isEmpty()) {
            writer.write(new BackendMessage.NegotiateProtocolVersion(0, unsupported));
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            // only stops a watcher
        }
    }

    private void recordQuietly(AuditEvent event) {
        try {
            services.audit().append(event);
        } catch (RuntimeException e) {
            LOG.error("could not record {}", event.kind(), e);
        }
    }

    private void writeRaw(char answer) throws IOException {
        socket.getOutputStream().write(answer);
        socket.getOutputStream().flush();
    }

    private void tell(BackendMessage.ErrorResponse error) {
        try {
            writer.write(error);
            writer.flush();
        } catch (IOException | RuntimeException e) {
            // the client is gone
        }
    }

    private String address() {
        return socket.getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress()
                : String.valueOf(socket.getRemoteSocketAddress());
    }

    private void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
