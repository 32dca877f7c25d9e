package dev.sluice.store;

import dev.sluice.core.SluiceException;

/** The audit store could not be read (a query or a chain walk failed), or a query was out of bounds. */
public final class AuditStoreException extends SluiceException {
    AuditStoreException(String message) {
        super(message);
    }

    AuditStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
