package dev.sluice.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where Sluice listens: one address per protocol listener ({@code listen.postgres}, {@code listen.ssh}, ...) and
 * {@code listen.http} for the API and console. Each is {@code host:port} or {@code off}; an absent key takes its
 * default ({@link #DEFAULTS}: PostgreSQL and HTTP on loopback; any other protocol off until configured).
 *
 * @param protocols protocol name → address, for every protocol listener that is on
 * @param http      the HTTP (API and web UI) listener, empty when turned off (default {@code 127.0.0.1:8443})
 */
public record ListenConfig(Map<String, HostPort> protocols, Optional<HostPort> http) {
    public static final HostPort DEFAULT_POSTGRES = new HostPort("127.0.0.1", 15432);
    public static final HostPort DEFAULT_HTTP = new HostPort("127.0.0.1", 8443);
    /** The protocol listeners that are on unless turned off. */
    static final Map<String, HostPort> DEFAULTS = Map.of("postgres", DEFAULT_POSTGRES);
    /** Every protocol listener key; a protocol module adds its name here when it lands. */
    public static final Set<String> PROTOCOLS = Set.of("postgres");
    static final String OFF = "off";

    public ListenConfig {
        protocols = Collections.unmodifiableMap(new LinkedHashMap<>(protocols));
        Objects.requireNonNull(http, "http");
    }

    /** PostgreSQL and HTTP on their loopback defaults. */
    public static ListenConfig defaults() {
        return new ListenConfig(DEFAULTS, Optional.of(DEFAULT_HTTP));
    }

    /** The PostgreSQL listener's address, empty when off. */
    public Optional<HostPort> postgres() {
        return protocol("postgres");
    }

    /** A protocol listener's address, empty when off. */
    public Optional<HostPort> protocol(String name) {
        return Optional.ofNullable(protocols.get(name));
    }

    static ListenConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "listen");
        Set<String> keys = new java.util.HashSet<>(PROTOCOLS);
        keys.add("http");
        problems.rejectUnknownKeys(node, keys);
        Map<String, HostPort> protocols = new LinkedHashMap<>();
        for (String protocol : PROTOCOLS.stream().sorted().toList()) {
            listener(node, protocol, Optional.ofNullable(DEFAULTS.get(protocol)), problems)
                    .ifPresent(address -> protocols.put(protocol, address));
        }
        return new ListenConfig(protocols, listener(node, "http", Optional.of(DEFAULT_HTTP), problems));
    }

    private static Optional<HostPort> listener(ConfigNode node, String key, Optional<HostPort> defaultValue,
                                               ConfigProblems problems) {
        Optional<String> text = problems.optionalString(node, key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        if (text.get().equals(OFF)) {
            return Optional.empty();
        }
        Optional<HostPort> result = problems.hostPort(node, key);
        return result.isPresent() ? result : defaultValue;
    }
}
