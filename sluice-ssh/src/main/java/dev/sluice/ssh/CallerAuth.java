package dev.sluice.ssh;

import java.io.IOException;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;

import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.auth.keyboard.InteractiveChallenge;
import org.apache.sshd.server.auth.keyboard.KeyboardInteractiveAuthenticator;
import org.apache.sshd.server.auth.password.PasswordAuthenticator;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;

import dev.sluice.core.access.AccessRefusedException;
import dev.sluice.core.access.AccessTransport;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.config.SshTarget;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.core.session.SessionRefusedException;
import dev.sluice.core.session.SessionService;
import dev.sluice.core.session.SessionStart;
import dev.sluice.core.spi.ProtocolContext;

/**
 * Authenticates callers and starts their core session, in SSH's words. The login name is {@code CONNECTION} or
 * {@code LOGIN+CONNECTION} ({@link CallerLogin}). An OIDC token as the password or keyboard-interactive answer goes
 * through the core {@code AccessFlow} as it does for every protocol; a registered public key or an OpenSSH user
 * certificate proves a principal ({@link SshIdentities}) that the same flow then authorises. Within that same
 * authentication request the session is admitted and started ({@code session.start} audited, fail closed) and kept
 * as a {@link CallerSession}. Refusals disconnect with the reason, which OpenSSH prints.
 *
 * <p>Called on MINA's threads; state lives in session attributes.
 */
final class CallerAuth implements PasswordAuthenticator, KeyboardInteractiveAuthenticator, PublickeyAuthenticator,
        SessionListener {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CallerAuth.class);
    static final String PROTOCOL = "ssh";
    private static final AttributeRepository.AttributeKey<AuditContext> CONTEXT = new AttributeRepository.AttributeKey<>();

    private final ProtocolContext context;
    private final Upstreams upstreams;
    private final Recordings recordings;

    CallerAuth(ProtocolContext context, Upstreams upstreams, Recordings recordings) {
        this.context = context;
        this.upstreams = upstreams;
        this.recordings = recordings;
    }

    @Override
    public boolean authenticate(String username, String password, ServerSession session) {
        return token(username, password, session);
    }

    @Override
    public InteractiveChallenge generateChallenge(ServerSession session, String username, String lang,
                                                  String subMethods) {
        InteractiveChallenge result = new InteractiveChallenge();
        result.setInteractionName("Sluice");
        result.setInteractionInstruction("Paste your access token.");
        result.addPrompt("Token: ", false);
        return result;
    }

    @Override
    public boolean authenticate(ServerSession session, String username, List<String> responses) {
        return responses.size() == 1 && token(username, responses.getFirst(), session);
    }

    private boolean token(String username, String token, ServerSession session) {
        Optional<CallerLogin> login = CallerLogin.parse(username);
        AuditContext audit = context(session, login);
        try {
            TargetGrant grant = context.access().authorize(audit, username, new Transport(token, session));
            return establish(session, username, grant, Optional.empty());
        } catch (AccessRefusedException e) {
            return false; // audited and told by the transport
        } catch (IOException | RuntimeException e) {
            // Fail closed: a flow that could not finish is a refusal.
            LOG.warn("ssh login {} from {} refused: the access flow failed", username, session.getClientAddress(), e);
            return false;
        }
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        SshIdentities identities = SshIdentities.of(context.state().get().config().identity().ssh());
        if (!identities.knows(key) && !(key instanceof org.apache.sshd.common.config.keys.OpenSshCertificate)) {
            return false; // a key nobody registered: the client simply tries its next method
        }
        SshIdentities.Proof proof;
        try {
            proof = identities.prove(key, session.getClientAddress(), context.clock().instant());
        } catch (SshIdentities.NotProved e) {
            context.access().refusedUnauthenticated(context(session, CallerLogin.parse(username)), PROTOCOL,
                    username, e.getMessage());
            return false;
        }
        if (!Boolean.TRUE.equals(session.getAttribute(CertificateAuditingAuth.SIGNED))) {
            return true; // only "would this key do?": the signed request that follows logs in
        }
        try {
            TargetGrant grant = context.access().authorizeVerified(context(session, CallerLogin.parse(username)),
                    username, proof.principal(), proof.validBefore(), new Transport("", session));
            return establish(session, username, grant, Optional.of(proof));
        } catch (AccessRefusedException e) {
            return false; // audited and told by the transport
        } catch (IOException | RuntimeException e) {
            // Fail closed: a flow that could not finish is a refusal.
            LOG.warn("ssh login {} from {} refused: the access flow failed", username, session.getClientAddress(), e);
            return false;
        }
    }

    /** Audits a certificate MINA refused before the authenticator saw it ({@link CertificateAuditingAuth}). */
    void refusedCertificate(ServerSession session, String username, String reason) {
        context.access().refusedUnauthenticated(context(session, CallerLogin.parse(username)), PROTOCOL, username,
                reason);
    }

    private AuditContext context(ServerSession session, Optional<CallerLogin> login) {
        AuditContext existing = session.getAttribute(CONTEXT);
        if (existing != null) {
            return existing;
        }
        AuditContext result = new AuditContext(SessionId.random(), Optional.empty(),
                login.map(CallerLogin::connection).orElse("(invalid login)"),
                SshIdentities.addressText(session.getClientAddress()));
        session.setAttribute(CONTEXT, result);
        return result;
    }

    @Override
    public void sessionClosed(Session session) {
        CallerSession.of(session).ifPresent(c -> c.closed("client disconnected"));
    }

    /**
     * Starts the caller's session once its identity is authorised, inside the authentication request (so that a
     * refusal is still an authentication failure the client reports): the target login, a session slot, and
     * {@code session.start} audited (fail closed). False, with the caller told, when any of it refuses.
     */
    private boolean establish(ServerSession server, String username, TargetGrant grant,
                              Optional<SshIdentities.Proof> proof) {
        Optional<CallerLogin> login = CallerLogin.parse(username);
        if (!(grant.connection().target() instanceof SshTarget target) || login.isEmpty()) {
            disconnect(server, "not an SSH connection");
            return false;
        }
        String targetLogin = login.get().login().orElse(target.user());
        if (!target.allowsLogin(targetLogin)) {
            String reason = "the connection does not allow logging in as " + targetLogin;
            context.access().refusedGranted(grant, PROTOCOL, reason);
            disconnect(server, reason);
            return false;
        }
        SessionService.Slot slot;
        try {
            slot = context.sessions().admit(grant);
        } catch (SessionRefusedException e) {
            disconnect(server, e.getMessage());
            return false;
        }
        try {
            GatewaySession session = slot.start(new SessionStart(PROTOCOL, username,
                    Optional.ofNullable(server.getClientVersion()).orElse(""), recordings.create(slot.recording())));
            CallerSession caller = new CallerSession(server, session, target, targetLogin, proof, upstreams);
            server.setAttribute(CallerSession.KEY, caller);
            session.onTerminate(caller::disconnect);
            if (!server.isOpen()) {
                caller.closed("client disconnected");
            }
            return true;
        } catch (SessionRefusedException e) {
            slot.close();
            disconnect(server, e.getMessage());
            return false;
        }
    }

    private static void disconnect(ServerSession server, String message) {
        try {
            server.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "Sluice: " + message);
        } catch (IOException e) {
            server.close(true);
        }
    }

    /** The access flow in SSH's words: the token was already given; refusals disconnect with the reason. */
    private static final class Transport implements AccessTransport {
        private final String token;
        private final ServerSession session;

        Transport(String token, ServerSession session) {
            this.token = token;
            this.session = session;
        }

        @Override
        public String protocol() {
            return PROTOCOL;
        }

        @Override
        public String requestToken() {
            return token;
        }

        @Override
        public void refuseToken(String message) {
            // The client tries its next method (or the next key): a refused token is the usual "Permission denied".
        }

        @Override
        public void refuseAccess(String message) {
            disconnect(session, message);
        }
    }
}
