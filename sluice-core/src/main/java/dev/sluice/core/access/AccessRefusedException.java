package dev.sluice.core.access;

import dev.sluice.core.SluiceException;

/** Authentication or authorisation failed; the caller was already told, in its protocol, and the refusal audited. */
public final class AccessRefusedException extends SluiceException {
    public AccessRefusedException(String message) {
        super(message);
    }
}
