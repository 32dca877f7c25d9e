package dev.sluice.ssh;

import java.util.Set;
import java.util.function.Supplier;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;

/**
 * The connection's masking rules with detectors, applied to what an SSH session records (terminal output, input,
 * observed lines): the plan for the record (every rule, whoever the caller, as for the audit trail), taken from the
 * configuration in force at each call so that a reload applies at once.
 */
final class SshMasking {
    private SshMasking() {
    }

    static Recordings.MaskingSource of(Supplier<GatewayState> state) {
        return connection -> text -> {
            MaskingPlan plan = state.get().masking().plan(connection, Set.of());
            return plan.hasDetectors() ? plan.maskText(text, new MaskTally()) : text;
        };
    }
}
