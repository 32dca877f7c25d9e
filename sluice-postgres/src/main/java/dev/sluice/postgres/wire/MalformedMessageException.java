package dev.sluice.postgres.wire;

/**
 * Bytes that do not form a valid message: a length below the minimum, a stream that ends mid-message, a
 * payload that is shorter or longer than its fields, a missing NUL terminator, invalid UTF-8, or an unknown
 * message type.
 */
public final class MalformedMessageException extends WireException {
    public MalformedMessageException(String message) {
        super(message);
    }
}
