package dev.sluice.relay;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.SluiceConfig;

/**
 * The gateway's {@code relays} section: where relays dial in and how their certificates and heartbeats are timed.
 * Problems name {@code FILE:LINE: key}.
 *
 * @param listen          {@code relays.listen}: the relay listener ({@code host:port}, gRPC over mutual TLS)
 * @param certificateTtl  {@code relays.certificate-ttl} (default 30d): a relay's certificate lifetime; relays renew
 *                        when a third of it is left
 * @param heartbeat       {@code relays.heartbeat} (default 5s): a relay's heartbeat interval; one silent for three
 *                        intervals gets no new session
 * @param openTimeout     {@code relays.open-timeout} (default 30s): how long the gateway waits for a relay to open and
 *                        log in to a target
 */
public record RelaysConfig(HostPort listen, Duration certificateTtl, Duration heartbeat, Duration openTimeout) {
    static final Set<String> KEYS = Set.of("listen", "certificate-ttl", "heartbeat", "open-timeout");

    /** The section, when the config has one; every problem is recorded. */
    public static Optional<RelaysConfig> of(SluiceConfig config, ConfigProblems problems) {
        ConfigNode node = config.raw().at("relays");
        if (node.isAbsent()) {
            return Optional.empty();
        }
        if (!problems.expectMap(node)) {
            return Optional.empty();
        }
        int before = problems.count();
        problems.rejectUnknownKeys(node, KEYS);
        if (node.at("listen").isMissing()) {
            problems.add(node, "missing required key 'listen'");
        }
        Optional<HostPort> listen = problems.hostPort(node, "listen");
        Duration ttl = problems.duration(node, "certificate-ttl", Duration.ofDays(30));
        Duration heartbeat = problems.duration(node, "heartbeat", Duration.ofSeconds(5));
        Duration openTimeout = problems.duration(node, "open-timeout", Duration.ofSeconds(30));
        if (ttl.compareTo(Duration.ofMinutes(1)) < 0) {
            problems.add(node.at("certificate-ttl"), "a relay certificate lives at least 1m");
        }
        if (heartbeat.compareTo(Duration.ofMillis(100)) < 0 || heartbeat.compareTo(Duration.ofMinutes(5)) > 0) {
            problems.add(node.at("heartbeat"), "expected a heartbeat from 100ms to 5m");
        }
        if (listen.isEmpty() || problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new RelaysConfig(listen.get(), ttl, heartbeat, openTimeout));
    }
}
