package dev.sluice.core.access;

import java.util.Objects;

import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.policy.PolicySet;

/**
 * One consistent generation of live configuration: the validated config and the policy built from it. A reload
 * swaps the whole state at once, so a command is judged by one generation, never half of two.
 */
public record GatewayState(SluiceConfig config, PolicySet policies) {
    public GatewayState {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(policies, "policies");
    }
}
