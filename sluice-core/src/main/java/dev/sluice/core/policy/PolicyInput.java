package dev.sluice.core.policy;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import dev.sluice.core.identity.Principal;

/**
 * Everything a policy decision may depend on. Pure data: evaluation performs no I/O.
 *
 * @param principal         the verified caller
 * @param connection        the configured name of the target connection
 * @param connectionLabels  the labels configured on that connection
 * @param connectionDefault {@code allow} or {@code deny}: the verdict when no rule matches
 * @param command           the command to judge
 * @param time              when the command was received
 * @param clientAddress     the caller's network address as text, empty when unknown
 */
public record PolicyInput(Principal principal, String connection, Map<String, String> connectionLabels,
                          String connectionDefault, Command command, Instant time, String clientAddress) {

    public static final String ALLOW = "allow";
    public static final String DENY = "deny";

    public PolicyInput {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(clientAddress, "clientAddress");
        connectionLabels = Map.copyOf(connectionLabels);
        if (!ALLOW.equals(connectionDefault) && !DENY.equals(connectionDefault)) {
            throw new IllegalArgumentException("connectionDefault must be 'allow' or 'deny' (was: " + connectionDefault + ")");
        }
    }

    /** The same input for another command, e.g. the next statement of a multi-statement string. */
    public PolicyInput withCommand(Command other) {
        return new PolicyInput(principal, connection, connectionLabels, connectionDefault, other, time, clientAddress);
    }
}
