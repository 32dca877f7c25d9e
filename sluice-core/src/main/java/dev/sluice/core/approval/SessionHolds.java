package dev.sluice.core.approval;

import java.util.List;

import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.Verdict;

/**
 * The approval side of one session's {@link dev.sluice.core.access.SessionGuard}: pre-approvals that cover later
 * statements, the wait of a held statement, and the end of access that rests on a grant. Used from the session's
 * client-to-upstream thread.
 */
public interface SessionHolds {

    /** Turns a {@link Verdict.Hold} into an allow when an earlier session or duration approval covers the text. */
    Decision resolve(Decision decision, String text);

    /**
     * Records an approval request for the held statement, tells the caller, and blocks until it is decided, expires
     * or the caller gives up. Returns an allow to forward the statement as submitted, or a deny whose reason says why
     * not. Never throws for a decision; {@link dev.sluice.core.audit.AuditWriteException} when the request cannot be
     * audited (the caller must refuse). {@code preview} is kept with the request for approvers (already masked).
     */
    Decision await(long statementId, Decision held, String text, List<Command> commands, HoldWatch watch,
                   HeldPreview preview);

    /**
     * Whether a command held with {@code held}'s terms is answered {@code accepted} (every matching rule says
     * {@code respond: accepted}, and statement approval is enabled) rather than waited for.
     */
    default boolean answersAccepted(Decision held) {
        return false;
    }

    /**
     * Looks for the request an earlier, identical command made: same identity (issuer, subject and actor chain),
     * same connection, same {@code retryKey} (the protocol's exact description of what would run). An approved one
     * not yet used, within its redemption window (the rule's {@code expires} after the approval), is redeemed here,
     * once, by a compare-and-set in the store. Never throws: a store that cannot be read finds nothing.
     */
    default Deferral lookUp(Decision held, String retryKey) {
        return new Deferral.None();
    }

    /**
     * Records an approval request for the held command without waiting for it, indexed by {@code retryKey} for
     * {@link #lookUp}, and announces it. Durable on return.
     *
     * @throws ApprovalException UNAVAILABLE when the store cannot record it (the caller must refuse)
     */
    default ApprovalRequest defer(long statementId, Decision held, String text, List<Command> commands,
                                  String retryKey, HeldPreview preview) {
        throw new ApprovalException(ApprovalException.Problem.UNAVAILABLE, "statement approval is not enabled");
    }

    /** Records that {@code redeemed} ran as command {@code statementId} of this session, and applies its scope. */
    default void executed(ApprovalRequest redeemed, long statementId) {
    }

    /** What the caller of a command answered {@code accepted} is told: the request, its approvers, how to retry. */
    default String acceptedNotice(ApprovalRequest request) {
        return "approval " + request.id() + " is pending";
    }

    /** Remembers the session's application name: the justification when the statement carries none. */
    default void applicationName(String name) {
    }

    /**
     * Calls {@code end} when the access grant the session relies on expires without renewal (and the config says to
     * end such sessions). Closing the result stops watching.
     */
    default AutoCloseable watchAccess(Runnable end) {
        return () -> { };
    }

    /** The holds of a gateway where statement approval is not enabled: a hold stays a refusal. */
    static SessionHolds disabled() {
        return new SessionHolds() {
            @Override
            public Decision resolve(Decision decision, String text) {
                return decision;
            }

            @Override
            public Decision await(long statementId, Decision held, String text, List<Command> commands,
                                  HoldWatch watch, HeldPreview preview) {
                return held;
            }
        };
    }
}
