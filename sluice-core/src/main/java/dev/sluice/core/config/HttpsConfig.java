package dev.sluice.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The HTTPS proxy listener's settings, section {@code https} (its address is {@code listen.https}; TLS is the
 * gateway's {@code tls}). See docs/http.md.
 *
 * @param hostSuffix      host routing: a request for {@code CONNECTION.<host-suffix>} goes to CONNECTION with its
 *                        whole path (empty: path routing only)
 * @param maxHeadBytes    the largest request head, request line and fields ({@code max-header-bytes}, default
 *                        65536; beyond: 431)
 * @param maxBodyBytes    the largest request body to an {@code http} connection ({@code max-body-bytes}, default
 *                        8 GiB; beyond: 413)
 * @param maxKubeBodyBytes the largest request body to a {@code kubernetes} connection ({@code max-kube-body-bytes},
 *                        default 16 MiB; the API server's own limit is 3 MiB)
 * @param idleTimeout     how long a kept-alive client connection may wait for its next request (default 120s)
 * @param upstreamTimeout how long Sluice waits for the answer to an ordinary request (default 5m; streams, watches
 *                        and upgrades are not limited)
 * @param maxConnections  client connections at once (default 1024; beyond: 503)
 */
public record HttpsConfig(Optional<String> hostSuffix, int maxHeadBytes, long maxBodyBytes, long maxKubeBodyBytes,
                          Duration idleTimeout, Duration upstreamTimeout, int maxConnections) {
    static final Set<String> KEYS = Set.of("host-suffix", "max-header-bytes", "max-body-bytes",
            "max-kube-body-bytes", "idle-timeout", "upstream-timeout", "max-connections");

    public HttpsConfig {
        Objects.requireNonNull(hostSuffix, "hostSuffix");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
    }

    public static HttpsConfig defaults() {
        return new HttpsConfig(Optional.empty(), 64 * 1024, 8L << 30, 16L << 20, Duration.ofSeconds(120),
                Duration.ofMinutes(5), 1024);
    }

    /** The section of a loaded configuration (validated when it was loaded). */
    public static HttpsConfig of(SluiceConfig config) {
        ConfigProblems problems = new ConfigProblems();
        HttpsConfig result = bind(config.raw(), problems);
        problems.throwIfAny();
        return result;
    }

    static HttpsConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "https");
        problems.rejectUnknownKeys(node, KEYS);
        Optional<String> suffix = problems.optionalString(node, "host-suffix").map(s -> s.toLowerCase(Locale.ROOT));
        if (suffix.isPresent() && !suffix.get().matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
            problems.add(node.at("host-suffix"), "expected a DNS name such as sluice.example.com");
            suffix = Optional.empty();
        }
        HttpsConfig defaults = defaults();
        int head = problems.integer(node, "max-header-bytes", defaults.maxHeadBytes(), 4096, 1024 * 1024);
        long body = problems.integer(node, "max-body-bytes", Integer.MAX_VALUE, 0, Integer.MAX_VALUE);
        long kube = problems.integer(node, "max-kube-body-bytes", (int) defaults.maxKubeBodyBytes(), 0,
                Integer.MAX_VALUE);
        Duration idle = problems.duration(node, "idle-timeout", defaults.idleTimeout());
        Duration upstream = problems.duration(node, "upstream-timeout", defaults.upstreamTimeout());
        int connections = problems.integer(node, "max-connections", defaults.maxConnections(), 1, 100_000);
        return new HttpsConfig(suffix, head, node.at("max-body-bytes").isAbsent() ? defaults.maxBodyBytes() : body,
                kube, idle, upstream, connections);
    }
}
