package dev.sluice.ssh;

import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;

/**
 * The connection's masking rules with detectors, taken from the configuration in force at each call (a reload
 * applies at once): for what an SSH session records (terminal output, input, observed lines) the plan for the record
 * (every rule, whoever the caller, as for the audit trail); for what the caller is sent (exec and terminal output,
 * SFTP reads), the caller's plan.
 */
final class SshMasking {
    private final Supplier<GatewayState> state;

    SshMasking(Supplier<GatewayState> state) {
        this.state = state;
    }

    /**
     * The masking of what a caller is sent (exec output): the connection's detectors, with the rules the caller's
     * groups are exempt from left out; empty when no detector applies.
     */
    Optional<UnaryOperator<String>> forCaller(TargetGrant grant) {
        MaskingPlan plan = state.get().masking().plan(grant.connection().name(), grant.principal().groups());
        if (!plan.hasDetectors()) {
            return Optional.empty();
        }
        return Optional.of(text -> plan.maskText(text, new MaskTally()));
    }

    /**
     * The same-length masking of what a caller is sent where bytes are addressed by offset or screen position (SFTP
     * reads, a terminal): see {@code MaskingPlan.maskTextSameLength}; empty when no detector applies.
     */
    Optional<UnaryOperator<String>> sameLengthForCaller(TargetGrant grant) {
        MaskingPlan plan = state.get().masking().plan(grant.connection().name(), grant.principal().groups());
        if (!plan.hasDetectors()) {
            return Optional.empty();
        }
        return Optional.of(text -> plan.maskTextSameLength(text, new MaskTally()));
    }

    static Recordings.MaskingSource of(Supplier<GatewayState> state) {
        return connection -> text -> {
            MaskingPlan plan = state.get().masking().plan(connection, Set.of());
            return plan.hasDetectors() ? plan.maskText(text, new MaskTally()) : text;
        };
    }
}
