package dev.sluice.postgres.wire;

import dev.sluice.core.SluiceException;

/**
 * A PostgreSQL wire protocol violation or a value that cannot be put on the wire. Messages describe the
 * offending structure (lengths, types, field names) and never contain passwords or SASL proofs.
 */
public class WireException extends SluiceException {
    public WireException(String message) {
        super(message);
    }

    public WireException(String message, Throwable cause) {
        super(message, cause);
    }
}
