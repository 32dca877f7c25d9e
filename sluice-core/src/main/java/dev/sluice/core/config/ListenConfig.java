package dev.sluice.core.config;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where Sluice listens. Keys {@code listen.postgres} and {@code listen.http}, each {@code host:port} or
 * {@code off}; an absent key takes its default.
 *
 * @param postgres the PostgreSQL listener, empty when turned off (default {@code 127.0.0.1:15432})
 * @param http     the HTTP (API and web UI) listener, empty when turned off (default {@code 127.0.0.1:8443})
 */
public record ListenConfig(Optional<HostPort> postgres, Optional<HostPort> http) {
    public static final HostPort DEFAULT_POSTGRES = new HostPort("127.0.0.1", 15432);
    public static final HostPort DEFAULT_HTTP = new HostPort("127.0.0.1", 8443);
    static final String OFF = "off";

    public ListenConfig {
        Objects.requireNonNull(postgres, "postgres");
        Objects.requireNonNull(http, "http");
    }

    /** Both listeners on their loopback defaults. */
    public static ListenConfig defaults() {
        return new ListenConfig(Optional.of(DEFAULT_POSTGRES), Optional.of(DEFAULT_HTTP));
    }

    static ListenConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "listen");
        problems.rejectUnknownKeys(node, Set.of("postgres", "http"));
        return new ListenConfig(listener(node, "postgres", DEFAULT_POSTGRES, problems),
                listener(node, "http", DEFAULT_HTTP, problems));
    }

    private static Optional<HostPort> listener(ConfigNode node, String key, HostPort defaultValue,
                                               ConfigProblems problems) {
        Optional<String> text = problems.optionalString(node, key);
        if (text.isEmpty()) {
            return Optional.of(defaultValue);
        }
        if (text.get().equals(OFF)) {
            return Optional.empty();
        }
        return Optional.of(problems.hostPort(node, key).orElse(defaultValue));
    }
}
