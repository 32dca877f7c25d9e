package dev.sluice.core.access;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.identity.Principal;

/**
 * Proof that a verified principal may open a connection. Only {@link AccessFlow} constructs one (the constructor is
 * package-private), so a protocol module cannot reach an upstream without having gone through authentication and
 * authorisation. It is the only way to read the connection's credential.
 */
public final class TargetGrant {
    private final Principal principal;
    private final ConnectionConfig connection;
    private final AuditContext context;
    private final Optional<Instant> accessUntil;
    private final Optional<TokenDeadline> tokenDeadline;

    TargetGrant(Principal principal, ConnectionConfig connection, AuditContext context) {
        this(principal, connection, context, Optional.empty(), Optional.empty());
    }

    TargetGrant(Principal principal, ConnectionConfig connection, AuditContext context,
                Optional<Instant> accessUntil, Optional<TokenDeadline> tokenDeadline) {
        this.principal = Objects.requireNonNull(principal, "principal");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.context = Objects.requireNonNull(context, "context");
        this.accessUntil = Objects.requireNonNull(accessUntil, "accessUntil");
        this.tokenDeadline = Objects.requireNonNull(tokenDeadline, "tokenDeadline");
    }

    /** When the token the session was opened with expires, and how long the session may outlive it. */
    public Optional<TokenDeadline> tokenDeadline() {
        return tokenDeadline;
    }

    /**
     * The token's {@code exp} and the issuer's session grace: the session ends at {@code expires + grace}.
     */
    public record TokenDeadline(Instant expires, java.time.Duration grace) {
        public TokenDeadline {
            Objects.requireNonNull(expires, "expires");
            Objects.requireNonNull(grace, "grace");
        }

        public Instant endsAt() {
            return expires.plus(grace);
        }
    }

    /** When access rests on a time-bound grant (not on the connection's allow list): when that grant ends. */
    public Optional<Instant> accessUntil() {
        return accessUntil;
    }

    public Principal principal() {
        return principal;
    }

    /** The connection as configured when the grant was made, credential included. */
    public ConnectionConfig connection() {
        return connection;
    }

    public AuditContext context() {
        return context;
    }

    @Override
    public String toString() {
        return "TargetGrant[" + principal.subject() + " -> " + connection.name() + "]";
    }
}
