package dev.sluice.core.policy;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** What a rule does when it matches. Exactly one per rule. */
public sealed interface Action {

    /** The YAML key of the action: {@code allow}, {@code deny}, {@code require-approval} or {@code mask}. */
    String key();

    record Allow() implements Action {
        @Override
        public String key() {
            return "allow";
        }
    }

    record Deny() implements Action {
        @Override
        public String key() {
            return "deny";
        }
    }

    /**
     * Hold the command until enough approvers agree.
     *
     * @param approvers         subjects or groups who may approve, interpreted by the approval flow
     * @param approvalsRequired how many distinct approvals are needed (default 1)
     * @param expires           how long a pending request, or a {@code duration} grant, stays valid (default 5m)
     * @param scope             what one approval covers
     * @param respond           how a protocol that can tell its caller to come back answers a held command: wait
     *                          for the decision (default), or answer at once that it was accepted for approval
     */
    record RequireApproval(Set<String> approvers, int approvalsRequired, Duration expires, Scope scope,
                           Respond respond) implements Action {
        public RequireApproval {
            approvers = Set.copyOf(approvers);
            Objects.requireNonNull(expires, "expires");
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(respond, "respond");
        }

        /** Terms whose held commands wait for the decision. */
        public RequireApproval(Set<String> approvers, int approvalsRequired, Duration expires, Scope scope) {
            this(approvers, approvalsRequired, expires, scope, Respond.WAIT);
        }

        @Override
        public String key() {
            return "require-approval";
        }
    }

    /**
     * Masking: never changes the verdict. The body is kept as plain maps, lists and strings for the masking engine.
     */
    record Mask(Map<String, Object> body) implements Action {
        public Mask {
            body = Map.copyOf(body);
        }

        @Override
        public String key() {
            return "mask";
        }
    }

    /**
     * How a held command is answered ({@code require-approval.respond}): {@code wait} keeps the caller waiting for the
     * decision; {@code accepted} answers at once that the command was accepted for approval (HTTP: {@code 202} with
     * the approval id and {@code Retry-After}), and the caller sends the identical command again once it is approved.
     * Only protocols that can name the identical command again offer {@code accepted}; the others wait.
     */
    enum Respond {
        WAIT, ACCEPTED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What one approval covers: this one command, the rest of the session, or a time window of {@code expires}. */
    enum Scope {
        ONCE, SESSION, DURATION;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
