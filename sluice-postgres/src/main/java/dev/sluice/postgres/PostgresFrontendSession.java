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
import java.util.Set;
import java.util.concurrent.Semaphore;

import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.AccessRefusedException;
import dev.sluice.core.access.Admission;
import dev.sluice.core.access.SessionGuard;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditWriteException;
import dev.sluice.core.audit.AuditText;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.Verdict;
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

    private final PostgresServices services;
    private final HandshakeGate.Permit handshake;
    private final Semaphore sessionSlots;
    private final MessageMemory.Account messageMemory;
    private final MessageMemory.Account upstreamMemory;
    private Socket socket;
    private RelayInput input;
    private FrameReader reader;
    private FrameWriter writer;
    private boolean secure;
    private boolean holdsSessionSlot;

    /**
     * @param handshake    this connection's place in the handshake budget, given back once authenticated
     * @param sessionSlots the authenticated-session cap, taken once authenticated and given back at the end
     * @param memory       the shared budget of large messages (client's and server's), used once authenticated
     */
    PostgresFrontendSession(Socket socket, PostgresServices services, HandshakeGate.Permit handshake,
                            Semaphore sessionSlots, MessageMemory memory) {
        this.socket = socket;
        this.services = services;
        this.handshake = handshake;
        this.sessionSlots = sessionSlots;
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
            recordQuietly(new AuditEvent.AuthFailed(services.clock().instant(), context, "postgres", claimedUser,
                    "TLS required"));
            tell(PostgresErrors.fatal(PostgresErrors.INVALID_AUTHORIZATION,
                    "Sluice requires TLS: connect with sslmode=require"));
            return;
        }
        if (services.control().draining()) { // ops hook: drain refuses new sessions as PostgreSQL does
            tell(PostgresErrors.fatal(PostgresErrors.CANNOT_CONNECT_NOW, ListenerControl.DRAINING_MESSAGE));
            return;
        }
        TargetGrant grant;
        try {
            grant = services.access().authorize(context, claimedUser, new PostgresTransport(reader, writer,
                    handshake::clientDone));
        } catch (AccessRefusedException e) {
            return;
        }
        if (!authenticated(grant)) {
            return;
        }
        SessionGuard guard = new SessionGuard(grant, services.state(), services.audit(), services.clock(),
                services.approvals());
        String application = parameters.getOrDefault("application_name", "");
        StartupSettings.Parsed asked = StartupSettings.parse(parameters);
        Optional<StartupRefusal> refusal = judgeSettings(guard, asked);
        if (refusal.isPresent()) {
            refuseSettings(guard, claimedUser, application, refusal.get());
            return;
        }
        PostgresUpstream upstream;
        try {
            upstream = PostgresUpstream.connect(grant, parameters, StartupSettings.upstream(asked.settings()),
                    upstreamMemory);
        } catch (IOException | RuntimeException e) {
            LOG.warn("session {}: cannot open connection {}: {}", context.session(), connection, e.getMessage());
            services.control().upstreamFailed(grant.connection().name()); // ops hook: metrics
            String why = e instanceof PostgresUpstream.UpstreamException ? e.getMessage()
                    : "the upstream server is unreachable";
            tell(PostgresErrors.fatal(PostgresErrors.CANNOT_CONNECT, "Sluice could not open connection \""
                    + connection + "\": " + why));
            return;
        }
        try (upstream) {
            if (unpinned(grant, parameters)) {
                return;
            }
            relay(guard, grant, upstream, claimedUser, application);
        }
    }

    /** A startup setting refused: what it is audited as, and the decision. */
    private record StartupRefusal(String text, List<Command> commands, Decision decision) {
    }

    /**
     * Judges every setting of the client's startup packet as the {@code SET "name" = 'value'} it amounts to, with the
     * policy in force now (nothing is recorded here); the first one the policy does not allow refuses the session.
     * Fail closed: a held one is refused too (a startup packet cannot wait for an approval), and so is one that
     * classifies as anything but one plain {@code SET}. One exception keeps {@code default: deny} connections usable:
     * a setting drivers send on their own ({@link StartupSettings#driverSetting}) that nothing but the connection
     * default refuses still passes, as it did before startup settings were judged.
     */
    private Optional<StartupRefusal> judgeSettings(SessionGuard guard, StartupSettings.Parsed asked) {
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
            List<Command> commands = classification.commands();
            if (commands.size() != 1 || !commands.getFirst().kinds().equals(Set.of("SET"))) {
                return Optional.of(new StartupRefusal(text, commands, denied("", "the startup parameter \""
                        + AuditText.callerString(setting.name()) + "\" is not a plain setting")));
            }
            Decision decision = guard.judge(commands);
            switch (decision.verdict()) {
                case Verdict.Allow allow -> { }
                case Verdict.Deny deny -> {
                    if (!StartupSettings.driverSetting(setting.name()) || !deniedByDefaultOnly(guard, decision)) {
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

    /**
     * Whether only the connection's {@code default: deny} refused (no rule matched; not a failed evaluation, not a
     * connection removed by a reload).
     */
    private static boolean deniedByDefaultOnly(SessionGuard guard, Decision decision) {
        return decision.verdict() instanceof Verdict.Deny deny && deny.rule().isEmpty() && decision.matches().isEmpty()
                && guard.state().config().connection(guard.grant().connection().name())
                .map(c -> c.denyByDefault()).orElse(false);
    }

    private static Decision denied(String rule, String reason) {
        return new Decision(new Verdict.Deny(rule, reason), List.of());
    }

    /**
     * Fail closed: a startup setting the policy does not allow refuses the whole session (FATAL 42501), before any
     * upstream connection is opened with it. Audited as a session that started, had that SET denied, and ended.
     */
    private void refuseSettings(SessionGuard guard, String claimedUser, String application, StartupRefusal refusal) {
        try {
            guard.started("postgres", claimedUser, application);
            // the value is the client's: secrets in it are masked and it is bounded, as for application_name
            Admission admission = guard.record(AuditText.callerString(refusal.text()), List.of(), refusal.commands(),
                    refusal.decision());
            LOG.info("session {}: startup parameter refused: {}", guard.context().session(),
                    admission.refusalMessage());
            tell(PostgresErrors.fatal(PostgresErrors.INSUFFICIENT_PRIVILEGE, admission.refusalMessage()));
            guard.ended(0, 0, "startup parameter refused");
        } catch (AuditWriteException e) {
            LOG.error("session {}: audit write failed", guard.context().session(), e);
            tell(PostgresErrors.fatal(PostgresErrors.SYSTEM_ERROR,
                    "Sluice cannot record this session in its audit trail; refused"));
        }
    }

    /**
     * Leaves the handshake budget for the session budget, and lifts the message bound from the password's to a
     * session's. False (the client told) when every session slot is taken.
     */
    private boolean authenticated(TargetGrant grant) throws IOException {
        handshake.close();
        if (!sessionSlots.tryAcquire()) {
            // Fail closed: over the session cap an authenticated client is refused, never queued.
            LOG.warn("session {}: refused, all {} session slots are taken", grant.context().session(),
                    services.limits().maxSessions());
            tell(PostgresErrors.fatal(PostgresErrors.TOO_MANY_CONNECTIONS,
                    "sorry, too many clients already connected to Sluice"));
            return false;
        }
        holdsSessionSlot = true;
        reader = new FrameReader(input, services.limits().maxMessageBytes(), messageMemory);
        return true;
    }

    private void relay(SessionGuard guard, TargetGrant grant, PostgresUpstream upstream, String claimedUser,
                       String application) throws IOException {
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
            AutoCloseable drained = services.control().register(relay::terminate); // ops hook: drain
            String reason;
            try {
                reason = relay.run();
            } finally {
                closeQuietly(drained);
                closeQuietly(expiry);
            }
            guard.ended(relay.bytesFromClient(), relay.bytesToClient(), reason);
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
        recordQuietly(new AuditEvent.AccessDenied(services.clock().instant(), grant.context(), "postgres",
                "refused by Sluice: " + refusal.get()));
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
        messageMemory.close();
        upstreamMemory.close();
        if (holdsSessionSlot) {
            holdsSessionSlot = false;
            sessionSlots.release();
        }
    }
}
