package dev.sluice.core.access;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

import dev.sluice.core.approval.AccessGrants;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.identity.InvalidTokenException;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.identity.TokenExpiry;
import dev.sluice.core.identity.TokenVerifier;

/**
 * The security flow every protocol goes through, written once: authenticate the caller's token, authorise the
 * requested connection, audit the outcome, and hand out a {@link TargetGrant}. Protocols only word it, through an
 * {@link AccessTransport}.
 *
 * <p>Every failure path refuses: an unverifiable token, an unknown connection, a principal outside the
 * connection's {@code allow}, and an audit trail that cannot record the attempt. Thread-safe.
 */
public final class AccessFlow {
    private final TokenVerifier verifier;
    private final Supplier<GatewayState> state;
    private final AuditLog audit;
    private final Clock clock;
    private final AccessGrants grants;

    public AccessFlow(TokenVerifier verifier, Supplier<GatewayState> state, AuditLog audit, Clock clock) {
        this(verifier, state, audit, clock, AccessGrants.none());
    }

    /** As above, with time-bound access grants consulted when the allow list does not permit (or does not suffice). */
    public AccessFlow(TokenVerifier verifier, Supplier<GatewayState> state, AuditLog audit, Clock clock,
                      AccessGrants grants) {
        this.verifier = verifier;
        this.state = state;
        this.audit = audit;
        this.clock = clock;
        this.grants = grants;
    }

    /**
     * Runs authenticate then authorise for one session.
     *
     * @param context     the session's context; its principal is empty until the token verifies
     * @param claimedUser what the client said its user was: recorded, never trusted
     * @throws AccessRefusedException when the caller was refused (and already told)
     * @throws IOException            when the transport fails
     */
    public TargetGrant authorize(AuditContext context, String claimedUser, AccessTransport transport)
            throws IOException {
        String token = transport.requestToken();
        Principal principal;
        try {
            principal = verifier.verify(token.strip());
        } catch (InvalidTokenException e) {
            // Audit first: a refusal that cannot be recorded still refuses, but it must not be silent in the log.
            recordQuietly(new AuditEvent.AuthFailed(clock.instant(), context, transport.protocol(), claimedUser,
                    e.getMessage()));
            transport.refuseToken("authentication failed: " + e.getMessage());
            throw new AccessRefusedException(e.getMessage());
        }
        AuditContext verified = context.withPrincipal(principal);
        Optional<ConnectionConfig> connection = state.get().config().connection(context.connection());
        Optional<Instant> grantedUntil = Optional.empty();
        if (connection.isPresent() && (!connection.get().allow().permits(principal)
                || grants.required(connection.get().name()))) {
            grantedUntil = grants.activeUntil(principal, connection.get().name()); // fails closed: empty on error
        }
        // a connection is reached only through its own protocol: a PostgreSQL client never gets an SSH connection
        boolean sameProtocol = connection.isPresent() && connection.get().type().equals(transport.protocol());
        boolean permitted = sameProtocol && (grantedUntil.isPresent()
                || connection.get().allow().permits(principal) && !grants.required(connection.get().name()));
        if (!permitted) {
            // Same words whether the connection is missing or forbidden: reveal nothing about what exists.
            String message = "access to connection \"" + context.connection() + "\" is not permitted for "
                    + principal.subject();
            recordQuietly(new AuditEvent.AccessDenied(clock.instant(), verified, transport.protocol(),
                    connection.isEmpty() ? "no such connection"
                            : !sameProtocol ? "connection is of type " + connection.get().type()
                            : grants.required(connection.get().name())
                            ? "no active access grant" : "not in the connection's allow list"));
            transport.refuseAccess(message);
            throw new AccessRefusedException(message);
        }
        // The session lives as long as its token (plus the issuer's grace): GatewaySession ends it then.
        Optional<TargetGrant.TokenDeadline> deadline = TokenExpiry.of(token.strip()).map(exp ->
                new TargetGrant.TokenDeadline(exp, state.get().config().identity().sessionGrace(principal.issuer())));
        return new TargetGrant(principal, connection.get(), verified, grantedUntil, deadline);
    }

    /**
     * Records a caller refused before authentication by its protocol's own rule (PostgreSQL: no TLS). The caller is
     * refused either way; a failure to record is logged.
     */
    public void refusedUnauthenticated(AuditContext context, String protocol, String claimedUser, String reason) {
        recordQuietly(new AuditEvent.AuthFailed(clock.instant(), context, protocol, claimedUser, reason));
    }

    /**
     * Records a granted caller refused by its protocol before any session started (a startup parameter that can never
     * be accepted). The caller is refused either way.
     */
    public void refusedGranted(TargetGrant grant, String protocol, String reason) {
        recordQuietly(new AuditEvent.AccessDenied(clock.instant(), grant.context(), protocol, reason));
    }

    private void recordQuietly(AuditEvent event) {
        try {
            audit.append(event);
        } catch (RuntimeException e) {
            // The caller is refused either way; the failure to record is logged by the audit log itself.
        }
    }
}
