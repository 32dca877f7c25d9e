package dev.sluice.testing;

/**
 * Thrown when a test fixture cannot be started, used or stopped. The message says what failed and carries
 * the diagnostic output (for example the tail of a server log); it never contains a password or a token.
 *
 * <p>This module cannot extend {@code SluiceException}: {@code sluice-core}'s own tests depend on it, and a
 * dependency back on {@code sluice-core} would make a cycle.
 */
public final class FixtureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FixtureException(String message) {
        super(message);
    }

    public FixtureException(String message, Throwable cause) {
        super(message, cause);
    }
}
