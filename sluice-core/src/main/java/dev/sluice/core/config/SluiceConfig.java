package dev.sluice.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole, validated configuration of one Sluice instance, as loaded by {@link ConfigLoader}. Immutable; its
 * {@code toString} never shows a secret (passwords are {@link dev.sluice.core.Secret}s and a {@link ConfigNode}
 * prints only its location).
 *
 * @param source      the configuration file
 * @param listen      the listeners
 * @param dataDir     where Sluice keeps its state (absolute; key {@code data-dir}, default {@code ./sluice-data}
 *                    next to the configuration file)
 * @param identity    trusted token issuers
 * @param tls         TLS for the client-facing listeners
 * @param connections the target databases, in configuration order, names unique
 * @param policies    the raw {@code policies} list, for the policy engine (a missing node when absent)
 * @param policyDir   a directory of further policy files (key {@code policy-dir}, absolute)
 * @param masking     the raw {@code masking} list, for the masking engine (a missing node when absent)
 * @param raw         the whole document, for sections bound elsewhere (such as {@code audit})
 */
public record SluiceConfig(Path source, ListenConfig listen, Path dataDir, IdentityConfig identity, TlsConfig tls,
                           List<ConnectionConfig> connections, ConfigNode policies, Optional<Path> policyDir,
                           ConfigNode masking, ConfigNode raw) {
    public SluiceConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(policyDir, "policyDir");
        Objects.requireNonNull(masking, "masking");
        Objects.requireNonNull(raw, "raw");
        connections = List.copyOf(connections);
        long distinct = connections.stream().map(ConnectionConfig::name).distinct().count();
        if (distinct != connections.size()) {
            throw new IllegalArgumentException("connection names must be unique");
        }
    }

    /** The connection with this name. */
    public Optional<ConnectionConfig> connection(String name) {
        return connections.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** The raw {@code audit} section (a missing node when absent). */
    public ConfigNode audit() {
        return raw.at("audit");
    }
}
