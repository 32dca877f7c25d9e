package dev.sluice.postgres;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.AccessRefusedException;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditText;
import dev.sluice.core.audit.AuditWriteException;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.audit.SqlRecorder;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.SqlCommand;
import dev.sluice.core.policy.Verdict;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.core.session.SessionRefusedException;
import dev.sluice.core.session.SessionService;
import dev.sluice.core.session.SessionStart;
import dev.sluice.core.spi.HandshakeGate;
import dev.sluice.postgres.sql.Classification;
import dev.sluice.postgres.sql.PinnedSettings;
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
    private static final int PROTOCOL_3_0 = 196608;
    private static final String PROTOCOL = "postgres";

    private final PostgresServices services;
    private final HandshakeGate.Permit handshake;
    private final MessageMemory.Account messageMemory;
    private final MessageMemory.Account upstreamMemory;
    private Socket socket;
    private RelayInput input;
    private FrameReader reader;
    private FrameWriter writer;
    private boolean secure;

    /**
     * @param handshake    this connection's place in the handshake budget, given back once authenticated
     * @param memory       the shared budget of large messages (client's and server's), used once authenticated
     */
    PostgresFrontendSession(Socket socket, PostgresServices services, HandshakeGate.Permit handshake,
                            MessageMemory memory) {
        this.socket = socket;
        this.services = services;
        this.handshake = handshake;
        this.messageMemory = memory.account();
        this.upstreamMemory = memory.account();
    }

    void run() {
        try {
            socket.setTcpNoDelay(true);
            streams(socket);
            Optional<FrontendMessage.StartupMessage> startup = startupPhase();
            if (startup.isPresent()) {
                serve(startup.get());
            }
        } catch (EOFException | SocketTimeoutException e) {
            LOG.debug("client {} went away during startup", address());
        } catch (WireException e) {
            if (!deadlinePassed()) {
                tell(PostgresErrors.fatal(PostgresErrors.PROTOCOL_VIOLATION, "invalid startup: " + e.getMessage()));
            }
        } catch (IOException e) {
            if (!deadlinePassed()) {
                LOG.debug("client {}: {}", address(), e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("client {}: unexpected failure", address(), e);
            tell(PostgresErrors.fatal(PostgresErrors.SYSTEM_ERROR, "internal error in Sluice"));
        } finally {
            close();
        }
    }

    /** Whether the handshake deadline closed the connection (then logged once, and nothing more is told). */
    private boolean deadlinePassed() {
        if (handshake.expired()) {
            LOG.info("client {}: not authenticated within {}; connection closed", address(), handshake.deadline());
        }
        return handshake.expired();
    }

    /** Before authentication the only typed message is the password (the token): it gets the small bound. */
    private void streams(Socket s) throws IOException {
        input = new RelayInput(s.getInputStream());
        reader = new FrameReader(input, services.limits().maxPasswordBytes());
        writer = new FrameWriter(new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
    }

    /** Reads until a StartupMessage; empty when the connection was a cancel request or was refused. */
    private Optional<FrontendMessage.StartupMessage> startupPhase() throws IOException {
        directTls();
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

    /**
     * PostgreSQL 17+ clients with {@code sslnegotiation=direct} start the TLS handshake at once, without an
     * SSLRequest. Its first byte, 0x16 (a TLS handshake record), can begin no startup packet (the length would be far
     * over {@link #MAX_STARTUP_SIZE}), so it is told apart by that byte alone. Answered with TLS at once; as in
     * PostgreSQL, the client must offer the ALPN protocol {@code postgresql} (fail closed: a plain TLS client, e.g. a
     * web browser pointed at the port, is refused).
     */
    private void directTls() throws IOException {
        input.mark(1);
        int first = input.read();
        input.reset();
        if (first != 0x16) {
            return; // a startup packet (or the end of the stream, which readStartup reports)
        }
        if (services.tls().isEmpty()) {
            throw new dev.sluice.postgres.wire.MalformedMessageException("direct TLS, but TLS is not configured");
        }
        // the bytes of the ClientHello already read into the buffer go to the TLS engine first
        byte[] consumed = input.readNBytes(input.buffered());
        SSLSocket tls = (SSLSocket) services.tls().get().getSocketFactory().createSocket(socket,
                new java.io.ByteArrayInputStream(consumed), true);
        tls.setUseClientMode(false);
        javax.net.ssl.SSLParameters parameters = tls.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"postgresql"});
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        socket = tls;
        secure = true;
        streams(tls);
        if (!"postgresql".equals(tls.getApplicationProtocol())) {
            // told over TLS, as PostgreSQL does
            throw new dev.sluice.postgres.wire.MalformedMessageException(
                    "direct TLS connection without the ALPN protocol postgresql");
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
            services.access().refusedUnauthenticated(context, PROTOCOL, claimedUser, "TLS required");
            tell(PostgresErrors.fatal(PostgresErrors.INVALID_AUTHORIZATION,
                    "Sluice requires TLS: connect with sslmode=require"));
            return;
        }
        if (services.sessions().draining()) { // no handshake during a drain: refused as PostgreSQL does
            tell(PostgresErrors.fatal(PostgresErrors.CANNOT_CONNECT_NOW, SessionService.DRAINING_MESSAGE));
            return;
        }
        TargetGrant grant;
        try {
            grant = services.access().authorize(context, claimedUser, new PostgresTransport(reader, writer,
                    handshake::clientDone));
        } catch (AccessRefusedException e) {
            return;
        }
        handshake.close();
        if (unpinned(grant, parameters)) {
            return;
        }
        SessionService.Slot slot;
        try {
            slot = services.sessions().admit(grant);
        } catch (SessionRefusedException e) {
            tell(refusal(e));
            return;
        }
        try (slot) {
            // authenticated: the message bound goes from the password's to a session's
            reader = new FrameReader(input, services.limits().maxMessageBytes(), messageMemory);
            String application = parameters.getOrDefault("application_name", "");
            SqlRecorder recorder = SqlRecorder.create(slot.recording().config(), grant.context(), services.audit(),
                    services.clock());
            GatewaySession session;
            try {
                session = slot.start(new SessionStart(PROTOCOL, claimedUser, application, recorder));
            } catch (SessionRefusedException e) {
                tell(refusal(e));
                return;
            }
            String reason = "session ended";
            try {
                reason = open(session, recorder, grant, parameters);
            } finally {
                session.end(reason);
            }
        }
    }

    /**
     * Judges the startup settings, opens the upstream with them and relays; returns why the session ended.
     */
    private String open(GatewaySession session, SqlRecorder recorder, TargetGrant grant,
                        Map<String, String> parameters) throws IOException {
        StartupSettings.Parsed asked = StartupSettings.parse(parameters);
        Optional<StartupRefusal> refusal = judgeSettings(session, asked);
        if (refusal.isPresent()) {
            return refuseSettings(session, refusal.get());
        }
        PostgresUpstream upstream;
        try {
            upstream = PostgresUpstream.connect(grant, services.dialer(), parameters,
                    StartupSettings.upstream(asked.settings()), upstreamMemory);
        } catch (IOException | RuntimeException e) {
            String connection = grant.connection().name();
            LOG.warn("session {}: cannot open connection {}: {}", grant.context().session(), connection,
                    e.getMessage());
            services.sessions().upstreamFailed(connection); // metrics
            String why = e instanceof PostgresUpstream.UpstreamException ? e.getMessage()
                    : "the upstream server is unreachable";
            tell(PostgresErrors.fatal(PostgresErrors.CANNOT_CONNECT, "Sluice could not open connection \""
                    + connection + "\": " + why));
            return "upstream unavailable: " + why;
        }
        try (upstream) {
            return relay(session, recorder, grant, upstream);
        }
    }

    /** A session refused by core, in PostgreSQL's words. */
    private static BackendMessage.ErrorResponse refusal(SessionRefusedException e) {
        return PostgresErrors.fatal(switch (e.reason()) {
            case CAPACITY -> PostgresErrors.TOO_MANY_CONNECTIONS;
            case DRAINING -> PostgresErrors.CANNOT_CONNECT_NOW;
            case AUDIT -> PostgresErrors.SYSTEM_ERROR;
        }, e.getMessage());
    }

    /** A startup setting refused: what it is audited as, and the decision. */
    private record StartupRefusal(String text, List<SqlCommand> commands, Decision decision) {
    }

    /**
     * Judges every setting of the client's startup packet as the {@code SET "name" = 'value'} it amounts to, with the
     * policy in force now (nothing is recorded here); the first one the policy does not allow refuses the session.
     * Fail closed: a held one is refused too (a startup packet cannot wait for an approval), and so is one that
     * classifies as anything but one plain {@code SET}. One exception keeps {@code default: deny} connections usable:
     * a setting drivers send on their own ({@link StartupSettings#driverSetting}) that nothing but the connection
     * default refuses still passes, as it did before startup settings were judged.
     */
    private Optional<StartupRefusal> judgeSettings(GatewaySession guard, StartupSettings.Parsed asked) {
        if (asked.refusal().isPresent()) {
            return Optional.of(new StartupRefusal("-- startup parameters", List.of(),
                    denied("", asked.refusal().get())));
        }
        for (StartupSettings.Setting setting : asked.settings()) {
            String text = setting.setText();
            Classification classification = services.classifier().classify(text);
            if (classification.refusal().isPresent()) {
                return Optional.of(new StartupRefusal(text, classification.commands(),
                        denied("", classification.refusal().get())));
            }
            List<SqlCommand> commands = classification.commands();
            if (commands.size() != 1 || !commands.getFirst().kinds().equals(Set.of("SET"))) {
                return Optional.of(new StartupRefusal(text, commands, denied("", "the startup parameter \""
                        + AuditText.callerString(setting.name()) + "\" is not a plain setting")));
            }
            Decision decision = guard.judge(commands);
            switch (decision.verdict()) {
                case Verdict.Allow allow -> { }
                case Verdict.Deny deny -> {
                    if (!StartupSettings.driverSetting(setting.name()) || !guard.deniedByDefaultOnly(decision)) {
                        return Optional.of(new StartupRefusal(text, commands, decision));
                    }
                }
                case Verdict.Hold hold -> {
                    return Optional.of(new StartupRefusal(text, commands, denied(hold.rule(), hold.reason()
                            + "; a startup parameter cannot wait for an approval: connect without it and SET it in "
                            + "the session")));
                }
            }
        }
        return Optional.empty();
    }

    private static Decision denied(String rule, String reason) {
        return new Decision(new Verdict.Deny(rule, reason), List.of());
    }

    /**
     * Fail closed: a startup setting the policy does not allow refuses the whole session (FATAL 42501), before any
     * upstream connection is opened with it. Audited as a session that started, had that SET denied, and ended.
     */
    private String refuseSettings(GatewaySession session, StartupRefusal refusal) {
        try {
            // the value is the client's: secrets in it are masked and it is bounded, as for application_name
            String message = session.refuse(CommandRequest.of(AuditText.callerString(refusal.text()),
                    refusal.commands()), refusal.decision()).message();
            LOG.info("session {}: startup parameter refused: {}", session.context().session(), message);
            tell(PostgresErrors.fatal(PostgresErrors.INSUFFICIENT_PRIVILEGE, message));
        } catch (AuditWriteException e) {
            LOG.error("session {}: audit write failed", session.context().session(), e);
            tell(PostgresErrors.fatal(PostgresErrors.SYSTEM_ERROR,
                    "Sluice cannot record this session in its audit trail; refused"));
        }
        return "startup parameter refused";
    }

    private String relay(GatewaySession session, SqlRecorder recorder, TargetGrant grant, PostgresUpstream upstream)
            throws IOException {
        BackendKeyData key = services.cancels().register(grant, upstream.key());
        try {
            writer.write(new BackendMessage.AuthenticationOk());
            for (BackendMessage.ParameterStatus status : upstream.parameters()) {
                writer.write(status);
            }
            writer.write(key);
            writer.write(new BackendMessage.ReadyForQuery(upstream.status()));
            writer.flush();
            socket.setSoTimeout(0);
            PostgresRelay relay = new PostgresRelay(socket, input, reader, writer, upstream, session, recorder,
                    services.dialer(), new PostgresCommandMapper(services.classifier()), services.clock());
            services.cancels().listen(key, relay::cancelHold);
            // grant or token expiry, drain, an operator's kill: FATAL 57P01
            session.onTerminate(relay::terminate);
            return relay.run();
        } finally {
            services.cancels().unregister(key);
        }
    }

    /**
     * Fail closed: a client asking for a client-only encoding or another value of a pinned setting (see
     * {@link PinnedSettings}) gets no session (the upstream was opened with the pins, and is closed unused).
     */
    private boolean unpinned(TargetGrant grant, Map<String, String> parameters) {
        Optional<String> refusal = PinnedSettings.startupRefusal(parameters);
        if (refusal.isEmpty()) {
            return false;
        }
        LOG.info("session {}: startup refused: {}", grant.context().session(), refusal.get());
        services.access().refusedGranted(grant, PROTOCOL, "refused by Sluice: " + refusal.get());
        tell(PostgresErrors.fatal(PostgresErrors.INSUFFICIENT_PRIVILEGE, "refused by Sluice: " + refusal.get()));
        return true;
    }

    /** Protocol 3.x with x > 0, or _pq_ options: say what we speak, as PostgreSQL does. */
    private void negotiateMinorVersion(FrontendMessage.StartupMessage startup) throws IOException {
        List<String> unsupported = startup.parameters().keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        if (startup.protocolVersion() != PROTOCOL_3_0 || !unsupported.isEmpty()) {
            writer.write(new BackendMessage.NegotiateProtocolVersion(0, unsupported));
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
        messageMemory.close();
        upstreamMemory.close();
    }
}
