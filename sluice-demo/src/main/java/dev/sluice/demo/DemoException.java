package dev.sluice.demo;

/**
 * Thrown when a throwaway server or a command it runs cannot be started, used or stopped. The message says what
 * failed and carries the diagnostic output (for example the tail of a server log); it never contains a password.
 *
 * <p>Not a {@code SluiceException}: this module sits below {@code sluice-core} (whose tests use
 * {@code sluice-testing}, which builds on this module), so depending on the core would make a cycle.
 */
public final class DemoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DemoException(String message) {
        super(message);
    }

    public DemoException(String message, Throwable cause) {
        super(message, cause);
    }
}
