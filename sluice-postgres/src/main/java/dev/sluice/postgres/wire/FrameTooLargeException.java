package dev.sluice.postgres.wire;

/** A declared message length exceeds the configured limit; raised before any payload is allocated. */
public final class FrameTooLargeException extends WireException {
    public FrameTooLargeException(String message) {
        super(message);
    }
}
