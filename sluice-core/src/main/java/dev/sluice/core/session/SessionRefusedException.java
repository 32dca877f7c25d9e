package dev.sluice.core.session;

import dev.sluice.core.SluiceException;

/**
 * A granted caller gets no session; {@link #reason} says why, for the protocol to word (PostgreSQL: 53300, 57P03,
 * 58000), and the message is safe to show the client.
 */
public final class SessionRefusedException extends SluiceException {

    /** Why a session was refused. */
    public enum Reason {
        /** Every session slot is taken: refused, never queued. */
        CAPACITY,
        /** The gateway drains: no new sessions. */
        DRAINING,
        /** The session's start could not be written to the audit trail. */
        AUDIT
    }

    private final Reason reason;

    public SessionRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SessionRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
