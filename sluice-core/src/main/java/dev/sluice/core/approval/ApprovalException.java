package dev.sluice.core.approval;

import dev.sluice.core.SluiceException;

/** An approval operation was refused; {@link #problem()} says why, in a way an API can map to a status. */
public final class ApprovalException extends SluiceException {
    private final Problem problem;

    /** Why an operation was refused. */
    public enum Problem {
        /** No such request. */
        NOT_FOUND,
        /** The caller may not do this (not an approver, or approving their own request). */
        FORBIDDEN,
        /** The request is no longer pending, or the caller already voted. */
        CONFLICT,
        /** The input is invalid. */
        INVALID,
        /** The store could not be read or written. */
        UNAVAILABLE
    }

    public ApprovalException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public ApprovalException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
