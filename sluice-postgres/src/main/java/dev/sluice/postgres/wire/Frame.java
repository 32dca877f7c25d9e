package dev.sluice.postgres.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * One raw protocol message: its type byte and its payload, without the type and length fields.
 *
 * <pre>
 * typed message (every message after startup):     startup-phase message (type 0):
 * +------+-----------------+-----------------+      +-----------------+-----------------+
 * | type | int32 length    | payload         |      | int32 length    | payload         |
 * | 1 B  | 4 + payload len | length - 4 B    |      | 4 + payload len | length - 4 B    |
 * +------+-----------------+-----------------+      +-----------------+-----------------+
 * </pre>
 *
 * <p>The payload array is shared, not copied: frames are relayed on the hot path, so callers must not modify
 * an array after handing it over. Equality compares payload content; {@link #toString()} shows only the type
 * and size, never the payload (it may carry a password).
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS">Messaging overview</a>
 */
public record Frame(byte type, byte[] payload) {
    /** The type byte of the untyped startup-phase messages (StartupMessage, SSLRequest, ...). */
    public static final byte UNTYPED = 0;

    public Frame {
        Objects.requireNonNull(payload, "payload");
    }

    /** Bytes this frame occupies on the wire: 1 + 4 + payload, or 4 + payload for an untyped frame. */
    public int wireLength() {
        return (type == UNTYPED ? 4 : 5) + payload.length;
    }

    /** The value of the int32 length field: the payload plus the length field itself. */
    public int declaredLength() {
        return 4 + payload.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Frame frame && frame.type == type && Arrays.equals(frame.payload, payload);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        String shown = type == UNTYPED ? "untyped" : "'" + (char) (type & 0xff) + "'";
        return "Frame[type=" + shown + ", payload=" + payload.length + " bytes]";
    }
}
