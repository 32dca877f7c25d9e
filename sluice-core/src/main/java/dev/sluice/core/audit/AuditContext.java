package dev.sluice.core.audit;

import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.identity.Principal;

/**
 * Who and where, shared by every event of one session: the session id, the verified principal (empty before
 * authentication succeeded), the connection name the caller asked for and the caller's address.
 *
 * <p>The connection name is the caller's choice (a PostgreSQL client's database, which defaults to its user name)
 * and may be recorded before authentication: it is kept as {@link AuditText#callerString}, secrets masked and
 * bounded, so a token sent in its place is not stored.
 */
public record AuditContext(SessionId session, Optional<Principal> principal, String connection, String clientAddress) {
    public AuditContext {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(clientAddress, "clientAddress");
        connection = AuditText.callerString(connection);
    }

    public AuditContext withPrincipal(Principal verified) {
        return new AuditContext(session, Optional.of(verified), connection, clientAddress);
    }
}
