package dev.sluice.core.identity;

import dev.sluice.core.SluiceException;

/** A token that was not accepted. The message says why, without echoing the token. */
public final class InvalidTokenException extends SluiceException {
    public InvalidTokenException(String message) {
        super(message);
    }

    public InvalidTokenException(String message, Throwable cause) {
        super(message, cause);
    }
}
