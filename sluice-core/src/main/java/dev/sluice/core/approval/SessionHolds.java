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
     * audited (the caller must refuse).
     */
    Decision await(long statementId, Decision held, String text, List<Command> commands, HoldWatch watch);

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
                                  HoldWatch watch) {
                return held;
            }
        };
    }
}
