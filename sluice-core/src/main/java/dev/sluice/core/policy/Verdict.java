package dev.sluice.core.policy;

import java.util.Objects;
import java.util.Set;

/**
 * The outcome of evaluating policy for one command. {@code rule} names the deciding rule; it is empty when the
 * connection default decided. Severity orders verdicts for multi-statement strings: deny, then hold, then allow.
 */
public sealed interface Verdict {

    String rule();

    /** 0 for allow, 1 for hold, 2 for deny. */
    int severity();

    /** How the verdict is audited and printed: {@code allow}, {@code hold} or {@code deny}. */
    default String label() {
        return switch (this) {
            case Allow a -> "allow";
            case Hold h -> "hold";
            case Deny d -> "deny";
        };
    }

    record Allow(String rule) implements Verdict {
        public Allow {
            Objects.requireNonNull(rule, "rule");
        }

        @Override
        public int severity() {
            return 0;
        }
    }

    record Deny(String rule, String reason) implements Verdict {
        public Deny {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public int severity() {
            return 2;
        }
    }

    /** The command may run once approved; {@code approvers} is the union over every matching hold rule. */
    record Hold(String rule, String reason, Set<String> approvers) implements Verdict {
        public Hold {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(reason, "reason");
            approvers = Set.copyOf(approvers);
        }

        @Override
        public int severity() {
            return 1;
        }
    }
}
