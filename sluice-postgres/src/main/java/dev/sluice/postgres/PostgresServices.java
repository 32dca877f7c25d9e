package dev.sluice.postgres;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import dev.sluice.core.access.AccessFlow;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.config.ListenerLimits;
import dev.sluice.core.session.SessionService;
import dev.sluice.core.spi.Dialer;
import dev.sluice.postgres.sql.SqlClassifier;

/**
 * What the PostgreSQL listener needs from the rest of the gateway, wired once by the server.
 *
 * @param sessions       the gateway's sessions: cap, drain, registry; every session starts there
 * @param dialer         every upstream connection (session, cancel, catalog) goes through it
 * @param tls            the server TLS context offered on SSLRequest; empty to refuse TLS
 * @param allowPlaintext accept sessions without TLS (the config allows it only on a loopback listener)
 * @param limits         the handshake budget and deadline and message bounds
 */
public record PostgresServices(AccessFlow access, Supplier<GatewayState> state, AuditLog audit, Clock clock,
                               SqlClassifier classifier, CancelRegistry cancels, Optional<SSLContext> tls,
                               boolean allowPlaintext, ListenerLimits limits, SessionService sessions,
                               Dialer dialer) {
    public PostgresServices {
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(classifier, "classifier");
        Objects.requireNonNull(cancels, "cancels");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(sessions, "sessions");
        Objects.requireNonNull(dialer, "dialer");
    }
}
