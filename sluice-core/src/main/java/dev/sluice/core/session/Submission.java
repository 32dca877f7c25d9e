package dev.sluice.core.session;

import java.util.Objects;

/**
 * What the session decided about one submitted command. Its verdict is already durable in the audit trail.
 */
public sealed interface Submission {

    /** The command's sequence number in its session: report its outcome against it. */
    long commandId();

    default boolean allowed() {
        return this instanceof Forward;
    }

    /** Forward the command as submitted; report its outcome with {@link GatewaySession#completed}. */
    record Forward(long commandId) implements Submission {
    }

    /**
     * Do not forward it; tell the client {@code message} in the protocol's words (it names the rule and the reason).
     */
    record Refuse(long commandId, String message) implements Submission {
        public Refuse {
            Objects.requireNonNull(message, "message");
        }
    }
}
