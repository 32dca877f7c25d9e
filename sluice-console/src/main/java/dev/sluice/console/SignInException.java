package dev.sluice.console;

/** A sign-in that failed: shown to the person in words, never with a token or an assertion. */
final class SignInException extends dev.sluice.core.SluiceException {
    SignInException(String message) {
        super(message);
    }

    SignInException(String message, Throwable cause) {
        super(message, cause);
    }
}
