package dev.sluice.http;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the HTTPS proxy listener.
 *
 * @param hostSuffix      host routing: {@code CONNECTION.<suffix>} (empty: path routing only)
 * @param maxHead         the largest request head (request line and fields), bytes; beyond: 431
 * @param maxRequestBody  the largest request body, bytes, for {@code http} connections; beyond: 413
 * @param maxKubeBody     the largest request body for {@code kubernetes} connections (the API server's own limit
 *                        is 3 MiB)
 * @param idleTimeout     how long a kept-alive client connection may wait for its next request
 * @param upstreamTimeout how long Sluice waits for an upstream's answer to an ordinary (non-streaming) request
 * @param maxConnections  client connections at once; beyond: 503
 */
record ProxySettings(Optional<String> hostSuffix, int maxHead, long maxRequestBody, long maxKubeBody,
                     Duration idleTimeout, Duration upstreamTimeout, int maxConnections) {
    ProxySettings {
        Objects.requireNonNull(hostSuffix, "hostSuffix");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
    }

    static ProxySettings defaults() {
        return new ProxySettings(Optional.empty(), 64 * 1024, 8L << 30, 16L << 20, Duration.ofSeconds(120),
                Duration.ofMinutes(5), 1024);
    }

    ProxySettings withHostSuffix(Optional<String> suffix) {
        return new ProxySettings(suffix, maxHead, maxRequestBody, maxKubeBody, idleTimeout, upstreamTimeout,
                maxConnections);
    }
}
