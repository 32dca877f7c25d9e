package dev.sluice.core.policy;

import java.util.Objects;

/**
 * One rule that matched a command.
 *
 * @param rule   the rule name
 * @param action {@code allow}, {@code deny}, {@code require-approval} or {@code mask}
 * @param detail why it matched, for people reading the audit trail
 */
public record RuleMatch(String rule, String action, String detail) {
    public RuleMatch {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(detail, "detail");
    }
}
