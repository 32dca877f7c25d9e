package dev.sluice.export;

import dev.sluice.core.SluiceException;

/** An export sink cannot be set up (for example its CA file cannot be read). Delivery failures are retried instead. */
public final class ExportException extends SluiceException {
    public ExportException(String message) {
        super(message);
    }

    public ExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
