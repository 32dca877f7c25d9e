package dev.sluice.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.Secret;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.config.SluiceConfig;

/**
 * The {@code audit} section of the configuration, bound and validated.
 *
 * <pre>
 * audit:
 *   store: sqlite                 # or postgres (then url, user, password are required)
 *   sync: normal                  # or full (embedded store only)
 *   signing-key: keys/audit.key   # default DATA-DIR/keys/audit-signing.key, created on first start
 *   checkpoint-interval: 10s
 *   checkpoint-events: 1000
 *   retention: 400d               # default: keep everything
 *   url: jdbc:postgresql://db:5432/sluice
 *   user: sluice
 *   password: ${env:SLUICE_AUDIT_PASSWORD}
 * </pre>
 *
 * @param file       the embedded store's file, {@code DATA-DIR/audit.db}
 * @param postgres   the shared store; empty for the embedded one
 * @param sync       durability of the embedded store
 * @param signingKey the checkpoint signing key file
 */
public record AuditSettings(Path file, Optional<PostgresStoreConfig> postgres, SyncMode sync, Path signingKey,
                            Duration checkpointInterval, int checkpointEvents, Optional<Duration> retention) {
    static final String DEFAULT_KEY = "keys/audit-signing.key";
    private static final Set<String> KEYS = Set.of("store", "sync", "signing-key", "checkpoint-interval",
            "checkpoint-events", "retention", "url", "user", "password", "max-statement-bytes");
    private static final Set<String> POSTGRES_KEYS = Set.of("url", "user", "password");

    public AuditSettings {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(postgres, "postgres");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(signingKey, "signingKey");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        Objects.requireNonNull(retention, "retention");
    }

    /** Binds {@code config.audit()}, resolving secret references from the process environment. */
    public static AuditSettings of(SluiceConfig config) {
        return of(config, System.getenv());
    }

    /**
     * Binds {@code config.audit()}.
     *
     * @throws ConfigException listing every problem, each as FILE:LINE: key: message
     */
    public static AuditSettings of(SluiceConfig config, Map<String, String> env) {
        ConfigNode node = config.audit();
        ConfigProblems problems = new ConfigProblems();
        problems.rejectUnknownKeys(node, KEYS);
        String store = problems.oneOf(node, "store", "sqlite", List.of("sqlite", "postgres"));
        SyncMode sync = SyncMode.valueOf(problems.oneOf(node, "sync", "normal", List.of("normal", "full"))
                .toUpperCase(java.util.Locale.ROOT));
        Path key = problems.path(node, "signing-key").orElse(config.dataDir().resolve(DEFAULT_KEY));
        Duration interval = problems.duration(node, "checkpoint-interval", Checkpointing.DEFAULT_INTERVAL);
        if (interval.isZero() || interval.isNegative()) {
            problems.add(node.at("checkpoint-interval"), "must be positive");
            interval = Checkpointing.DEFAULT_INTERVAL;
        }
        int events = problems.integer(node, "checkpoint-events", Checkpointing.DEFAULT_EVERY_EVENTS, 1, 10_000_000);
        dev.sluice.core.audit.AuditText.bind(node, problems); // max-statement-bytes, read by each session
        Optional<Duration> retention = node.at("retention").isAbsent() ? Optional.empty()
                : Optional.of(problems.duration(node, "retention", Duration.ZERO));
        if (retention.isPresent() && retention.get().compareTo(interval) <= 0 && problems.isEmpty()) {
            problems.add(node.at("retention"), "must be longer than checkpoint-interval (" + interval + ")");
        }
        Optional<PostgresStoreConfig> postgres = Optional.empty();
        if (store.equals("postgres")) {
            postgres = postgres(node, problems, new SecretResolver(env));
        } else {
            POSTGRES_KEYS.forEach(k -> node.get(k).ifPresent(v -> problems.add(v, "only for store: postgres")));
        }
        problems.throwIfAny();
        return new AuditSettings(config.dataDir().resolve("audit.db"), postgres, sync, key, interval, events,
                retention);
    }

    private static Optional<PostgresStoreConfig> postgres(ConfigNode node, ConfigProblems problems,
                                                          SecretResolver secrets) {
        String url = problems.requiredString(node, "url");
        String user = problems.requiredString(node, "user");
        if (node.at("password").isMissing()) {
            problems.add(node, "missing required key 'password'");
        }
        Secret password = secrets.resolve(node.at("password"), problems);
        if (!url.isEmpty() && !url.startsWith("jdbc:postgresql:")) {
            problems.add(node.at("url"), "expected a jdbc:postgresql:// URL");
            return Optional.empty();
        }
        return url.isEmpty() || user.isEmpty() ? Optional.empty()
                : Optional.of(new PostgresStoreConfig(url, user, password));
    }

    /** How the writer signs, with the key loaded (or created) from {@link #signingKey()}. */
    public Checkpointing checkpointing(AuditSigningKey key) {
        return new Checkpointing(key, checkpointInterval, checkpointEvents, retention);
    }
}
