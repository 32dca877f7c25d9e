package dev.sluice.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * A verdict with its explanation.
 *
 * @param verdict the outcome
 * @param matches every rule that matched, in evaluation order, including rules that did not decide (for audit)
 */
public record Decision(Verdict verdict, List<RuleMatch> matches) {
    public Decision {
        Objects.requireNonNull(verdict, "verdict");
        matches = List.copyOf(matches);
    }
}
