package dev.sluice.core.session;

import java.time.Instant;
import java.util.Objects;

import dev.sluice.core.policy.Action;

/**
 * What {@link GatewaySession#submit(CommandRequest, java.util.function.Supplier, HoldWatch)} decided about a command the protocol could
 * name again: decided now, or held for approval and answered at once ({@link Action.Respond#ACCEPTED}), for the caller
 * to send the identical command again once approved. Its verdict is already durable in the audit trail.
 */
public sealed interface Deferrable {

    /** Forward or refuse now, as {@link GatewaySession#submit(CommandRequest, dev.sluice.core.approval.HoldWatch)}. */
    record Now(Submission submission) implements Deferrable {
        public Now {
            Objects.requireNonNull(submission, "submission");
        }
    }

    /**
     * Held, and not waited for: tell the caller the approval id and when to come back; nothing is forwarded.
     *
     * @param commandId  the held command's sequence number in its session (no outcome follows)
     * @param approvalId the request approvers decide; the same for every retry while it is pending
     * @param expires    when the request expires undecided
     * @param message    what to tell the caller: the rule, the approvers, how to approve, how to retry
     */
    record Accepted(long commandId, String approvalId, Instant expires, String message) implements Deferrable {
        public Accepted {
            Objects.requireNonNull(approvalId, "approvalId");
            Objects.requireNonNull(expires, "expires");
            Objects.requireNonNull(message, "message");
        }
    }
}
