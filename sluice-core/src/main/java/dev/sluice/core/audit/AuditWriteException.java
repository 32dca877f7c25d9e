package dev.sluice.core.audit;

import dev.sluice.core.SluiceException;

/** The audit trail could not be written. Whatever the event described must not go ahead. */
public final class AuditWriteException extends SluiceException {
    public AuditWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
