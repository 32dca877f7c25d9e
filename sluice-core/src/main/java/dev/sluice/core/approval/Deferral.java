package dev.sluice.core.approval;

import java.util.Objects;

/**
 * What the approval side knows about a held command answered {@code accepted} ({@code require-approval.respond}),
 * when the identical command comes again from the same identity on the same connection
 * ({@link SessionHolds#lookUp}).
 */
public sealed interface Deferral {

    /** No open request for this command: a new one is made. */
    record None() implements Deferral {
    }

    /** The request is still pending: the caller is told its id again; no second request is made. */
    record Pending(ApprovalRequest request) implements Deferral {
        public Pending {
            Objects.requireNonNull(request, "request");
        }
    }

    /** The request was approved and is now redeemed by this command (one time): forward it. */
    record Redeemed(ApprovalRequest request) implements Deferral {
        public Redeemed {
            Objects.requireNonNull(request, "request");
        }
    }

    /** The request was rejected: refuse the command, saying by whom and why. */
    record Rejected(ApprovalRequest request, String reason) implements Deferral {
        public Rejected {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
