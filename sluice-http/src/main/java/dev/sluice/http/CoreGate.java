package dev.sluice.http;

import java.io.IOException;
import java.util.Optional;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.AccessFlow;
import dev.sluice.core.access.AccessRefusedException;
import dev.sluice.core.access.AccessTransport;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.config.WebTarget;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.core.session.RecordingContext;
import dev.sluice.core.session.SessionRefusedException;
import dev.sluice.core.session.SessionService;
import dev.sluice.core.session.SessionStart;

/**
 * The proxy's way into the core security flow: {@link AccessFlow#authorize} (token verification, the connection's
 * {@code allow}, audited), then a slot from the {@link SessionService} (cap, drain) and a started
 * {@link GatewaySession} ({@code session.start} durable, or refused). Refusals are worded for HTTP: 401 for a token
 * that does not verify, 403 for a connection the caller may not use (the same words whether it exists or not), 503
 * over the session cap, while draining, or when the audit trail fails. Thread-safe.
 */
final class CoreGate implements ProxyGate {
    private static final Logger LOG = LoggerFactory.getLogger(CoreGate.class);
    private final AccessFlow access;
    private final SessionService sessions;
    private final Supplier<GatewayState> state;

    CoreGate(AccessFlow access, SessionService sessions, Supplier<GatewayState> state) {
        this.access = access;
        this.sessions = sessions;
        this.state = state;
    }

    @Override
    public CallerSession open(String connection, Optional<String> protocol, String token, String clientAddress,
                              Runnable close) throws IOException, RefusedException {
        if (sessions.draining()) {
            throw new RefusedException(503, SessionService.DRAINING_MESSAGE);
        }
        AuditContext context = new AuditContext(SessionId.random(), Optional.empty(), connection, clientAddress);
        // The core grants a connection only to its own protocol: a /k8s/ route never reaches an http connection.
        String asked = protocol.orElseGet(() -> state.get().config().connection(connection)
                .map(c -> c.type()).orElse(WebTarget.HTTP));
        Transport transport = new Transport(asked, token);
        TargetGrant grant;
        try {
            grant = access.authorize(context, "", transport);
        } catch (AccessRefusedException e) {
            throw new RefusedException(transport.status, transport.message.isEmpty() ? e.getMessage()
                    : transport.message);
        }
        Optional<HttpTarget> target = HttpTarget.of(grant.connection());
        if (target.isEmpty()) {
            throw new RefusedException(404, "connection \"" + connection + "\" is not a kubernetes or http "
                    + "connection");
        }
        SessionService.Slot slot;
        try {
            slot = sessions.admit(grant);
        } catch (SessionRefusedException e) {
            throw new RefusedException(503, e.getMessage());
        }
        try (slot) {
            RecordingContext recording = slot.recording();
            HttpRecorder recorder = new HttpRecorder(recording);
            GatewaySession session;
            try {
                session = slot.start(new SessionStart(target.get().protocol(), "", "", recorder));
            } catch (SessionRefusedException e) {
                LOG.warn("session {}: refused: {}", context.session(), e.getMessage());
                throw new RefusedException(503, e.getMessage());
            }
            CoreCallerSession result = new CoreCallerSession(session, target.get(), ProxyConnection.digest(token),
                    recording);
            session.onTerminate(reason -> close.run());
            return result;
        }
    }

    /** Hands AccessFlow the bearer token and keeps its refusal to word it in HTTP. */
    private static final class Transport implements AccessTransport {
        private final String protocol;
        private final String token;
        private int status = 403;
        private String message = "";

        Transport(String protocol, String token) {
            this.protocol = protocol;
            this.token = token;
        }

        @Override
        public String protocol() {
            return protocol;
        }

        @Override
        public String requestToken() {
            return token;
        }

        @Override
        public void refuseToken(String text) {
            status = 401;
            message = text;
        }

        @Override
        public void refuseAccess(String text) {
            status = 403;
            message = text;
        }
    }
}
