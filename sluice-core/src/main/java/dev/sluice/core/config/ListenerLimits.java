package dev.sluice.core.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The resource bounds of the PostgreSQL listener, keys of the top-level {@code limits} section. Before a client has
 * authenticated it may hold only a handshake slot, a few kilobytes and a few seconds; only an authenticated client
 * takes a session slot.
 *
 * <pre>
 * limits:
 *   handshake-timeout: 10s            # accept to authenticated, TLS handshake included (1s..5m)
 *   max-handshakes: 256               # connections not yet authenticated, all addresses (1..100000)
 *   max-handshakes-per-address: 32    # of those, from one client IP address (1..max-handshakes)
 *   max-password-bytes: 32768         # the password message carrying the token (1024..1048576)
 *   max-sessions: 1000                # authenticated sessions (1..100000)
 *   max-message-bytes: 67108864       # one client message after authentication (1048576..1073741824)
 *   message-memory: 268435456         # all client messages over 1 MiB being read or held at once (>= max-message-bytes)
 * </pre>
 *
 * @param handshakeTimeout        from accept to the password message (TLS handshake and startup included); the
 *                                connection is closed when it passes. Judging the token is Sluice's own work,
 *                                bounded by the issuers' fetch timeouts, during which the handshake place is kept
 * @param maxHandshakes           connections in their handshake at once; more are refused at once (53300)
 * @param maxHandshakesPerAddress connections in their handshake at once from one client address
 * @param maxPasswordBytes        the largest password message (the token) accepted, length field included
 * @param maxSessions             authenticated sessions at once
 * @param maxMessageBytes         the largest client message accepted after authentication
 * @param messageMemory           the bytes that large client messages may hold at once, over all sessions
 */
public record ListenerLimits(Duration handshakeTimeout, int maxHandshakes, int maxHandshakesPerAddress,
                             int maxPasswordBytes, int maxSessions, int maxMessageBytes, long messageMemory) {
    /** The keys of the {@code limits} section bound here. */
    public static final Set<String> KEYS = Set.of("handshake-timeout", "max-handshakes", "max-handshakes-per-address",
            "max-password-bytes", "max-sessions", "max-message-bytes", "message-memory");
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_HANDSHAKES = 256;
    public static final int DEFAULT_MAX_HANDSHAKES_PER_ADDRESS = 32;
    public static final int DEFAULT_MAX_PASSWORD_BYTES = 32 * 1024;
    public static final int DEFAULT_MAX_SESSIONS = 1000;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    public static final long DEFAULT_MESSAGE_MEMORY = 256L * 1024 * 1024;

    public ListenerLimits {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive");
        }
        if (maxHandshakes < 1 || maxHandshakesPerAddress < 1 || maxHandshakesPerAddress > maxHandshakes) {
            throw new IllegalArgumentException("need 1 <= maxHandshakesPerAddress <= maxHandshakes");
        }
        if (maxPasswordBytes < 1024 || maxSessions < 1 || maxMessageBytes < 1024 * 1024
                || messageMemory < maxMessageBytes) {
            throw new IllegalArgumentException("limits out of range");
        }
    }

    /** The defaults listed above. */
    public static ListenerLimits defaults() {
        return new ListenerLimits(DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_HANDSHAKES,
                DEFAULT_MAX_HANDSHAKES_PER_ADDRESS, DEFAULT_MAX_PASSWORD_BYTES, DEFAULT_MAX_SESSIONS,
                DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MESSAGE_MEMORY);
    }

    /**
     * Binds this record's keys of the {@code limits} section {@code node} (missing: the defaults), recording
     * problems. Unknown keys are rejected by the loader, which knows every key of the section.
     */
    public static ListenerLimits bind(ConfigNode node, ConfigProblems problems) {
        Duration timeout = problems.duration(node, "handshake-timeout", DEFAULT_HANDSHAKE_TIMEOUT);
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
            problems.add(node.at("handshake-timeout"), "expected a duration from 1s to 5m");
            timeout = DEFAULT_HANDSHAKE_TIMEOUT;
        }
        int handshakes = problems.integer(node, "max-handshakes", DEFAULT_MAX_HANDSHAKES, 1, 100_000);
        int perAddress = problems.integer(node, "max-handshakes-per-address",
                Math.min(DEFAULT_MAX_HANDSHAKES_PER_ADDRESS, handshakes), 1, handshakes);
        int password = problems.integer(node, "max-password-bytes", DEFAULT_MAX_PASSWORD_BYTES, 1024, 1024 * 1024);
        int sessions = problems.integer(node, "max-sessions", DEFAULT_MAX_SESSIONS, 1, 100_000);
        int message = problems.integer(node, "max-message-bytes", DEFAULT_MAX_MESSAGE_BYTES, 1024 * 1024,
                1024 * 1024 * 1024);
        long memoryDefault = Math.max(DEFAULT_MESSAGE_MEMORY, message);
        long memory = memory(node, memoryDefault, message, problems);
        return new ListenerLimits(timeout, handshakes, perAddress, password, sessions, message, memory);
    }

    private static long memory(ConfigNode node, long defaultValue, int message, ConfigProblems problems) {
        var text = problems.optionalString(node, "message-memory");
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            long result = Long.parseLong(text.get());
            if (result >= message && result <= 64L * 1024 * 1024 * 1024) {
                return result;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(node.at("message-memory"), "expected a byte count from max-message-bytes (" + message
                + ") to 68719476736");
        return defaultValue;
    }

    /** The section of a validated config; problems were reported when it was loaded, so they are ignored here. */
    public static ListenerLimits of(SluiceConfig config) {
        ConfigProblems ignored = new ConfigProblems();
        return bind(ignored.map(config.raw(), "limits"), ignored);
    }
}
