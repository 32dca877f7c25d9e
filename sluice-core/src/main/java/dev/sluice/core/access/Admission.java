package dev.sluice.core.access;

import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.Verdict;

/**
 * The outcome of {@link SessionGuard#admit}: the statement's sequence number in its session (to report the outcome
 * against) and the policy decision. The statement's event is already durable when an Admission exists.
 */
public record Admission(long statementId, Decision decision) {

    public boolean allowed() {
        return decision.verdict() instanceof Verdict.Allow;
    }

    /** A message for the caller naming the rule and the reason; empty when allowed. */
    public String refusalMessage() {
        return switch (decision.verdict()) {
            case Verdict.Allow allow -> "";
            case Verdict.Deny deny -> deny.rule().isEmpty()
                    ? "refused by Sluice: " + deny.reason()
                    : "denied by Sluice policy rule \"" + deny.rule() + "\": " + deny.reason();
            case Verdict.Hold hold -> "approval required by Sluice policy rule \"" + ruleName(hold.rule()) + "\": "
                    + hold.reason() + " (approvers: " + String.join(", ", hold.approvers())
                    + "); statement approval is not enabled on this gateway";
        };
    }

    private static String ruleName(String rule) {
        return rule.isEmpty() ? "connection default" : rule;
    }
}
