package dev.sluice.core;

/**
 * Root of the unchecked exceptions thrown by Sluice core. Messages are safe to show to a caller: they never
 * contain a secret, a token or a target credential.
 */
public class SluiceException extends RuntimeException {
    public SluiceException(String message) {
        super(message);
    }

    public SluiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
