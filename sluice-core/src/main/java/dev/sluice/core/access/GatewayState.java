package dev.sluice.core.access;

import java.util.Objects;

import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.policy.PolicySet;

/**
 * One consistent generation of live configuration: the validated config, the policy and the masking rules built
 * from it. A reload swaps the whole state at once, so a command is judged (and its result masked) by one
 * generation, never half of two.
 */
public record GatewayState(SluiceConfig config, PolicySet policies, MaskingRules masking) {
    public GatewayState {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(masking, "masking");
    }

    /** A state without masking rules. */
    public GatewayState(SluiceConfig config, PolicySet policies) {
        this(config, policies, MaskingRules.none());
    }
}
