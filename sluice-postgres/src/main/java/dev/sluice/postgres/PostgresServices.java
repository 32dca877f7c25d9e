package dev.sluice.postgres;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import dev.sluice.core.access.AccessFlow;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.approval.ApprovalGate;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.config.ListenerLimits;

/**
 * What the PostgreSQL listener needs from the rest of the gateway, wired once by the server.
 *
 * @param tls            the server TLS context offered on SSLRequest; empty to refuse TLS
 * @param allowPlaintext accept sessions without TLS (the config allows it only on a loopback listener)
 * @param limits         the handshake budget and deadline, session cap and message bounds
 * @param approvals      where held statements wait for approval ({@link ApprovalGate#disabled()}: refused)
 * @param control        draining and upstream-failure counts, for operating the listener
 */
public record PostgresServices(AccessFlow access, Supplier<GatewayState> state, AuditLog audit, Clock clock,
                               SqlClassifier classifier, CancelRegistry cancels, Optional<SSLContext> tls,
                               boolean allowPlaintext, ListenerLimits limits, ApprovalGate approvals,
                               ListenerControl control) {
    public PostgresServices {
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(classifier, "classifier");
        Objects.requireNonNull(cancels, "cancels");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(approvals, "approvals");
        Objects.requireNonNull(control, "control");
    }

    /** With a control of its own (never drained). */
    public PostgresServices(AccessFlow access, Supplier<GatewayState> state, AuditLog audit, Clock clock,
                            SqlClassifier classifier, CancelRegistry cancels, Optional<SSLContext> tls,
                            boolean allowPlaintext, ListenerLimits limits, ApprovalGate approvals) {
        this(access, state, audit, clock, classifier, cancels, tls, allowPlaintext, limits, approvals,
                new ListenerControl());
    }

    /** Without statement approval: a held statement is refused. */
    public PostgresServices(AccessFlow access, Supplier<GatewayState> state, AuditLog audit, Clock clock,
                            SqlClassifier classifier, CancelRegistry cancels, Optional<SSLContext> tls,
                            boolean allowPlaintext, ListenerLimits limits) {
        this(access, state, audit, clock, classifier, cancels, tls, allowPlaintext, limits,
                ApprovalGate.disabled());
    }
}
