package dev.sluice.core.approval;

import java.util.function.Supplier;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;

/** Opens the approval side of each granted session. Thread-safe. */
@FunctionalInterface
public interface ApprovalGate {

    SessionHolds session(TargetGrant grant, Supplier<GatewayState> state);

    /** Statement approval not enabled: a held statement is refused. */
    static ApprovalGate disabled() {
        return (grant, state) -> SessionHolds.disabled();
    }
}
