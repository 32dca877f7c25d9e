package dev.sluice.server;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.SluiceConfig;

/**
 * The operating sections of the config, read at start:
 *
 * <pre>
 * logging:
 *   format: text            # text (default) or json: one JSON object per line on stderr
 * shutdown:
 *   drain-timeout: 30s      # on SIGTERM, how long open sessions may go on before they are ended (57P01)
 * metrics:
 *   enabled: true           # GET /metrics on the http listener (Prometheus text format)
 * </pre>
 */
record OpsConfig(String logFormat, Duration drainTimeout, boolean metricsEnabled) {
    static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);
    static final Duration MAX_DRAIN = Duration.ofHours(1);
    private static final Set<String> LOGGING_KEYS = Set.of("format");
    private static final Set<String> SHUTDOWN_KEYS = Set.of("drain-timeout");
    private static final Set<String> METRICS_KEYS = Set.of("enabled");

    static OpsConfig of(SluiceConfig config) {
        return bind(config, new ConfigProblems());
    }

    static List<ConfigProblem> problems(SluiceConfig config) {
        ConfigProblems problems = new ConfigProblems();
        bind(config, problems);
        return problems.list();
    }

    private static OpsConfig bind(SluiceConfig config, ConfigProblems problems) {
        ConfigNode root = config.raw();
        ConfigNode logging = problems.map(root, "logging");
        problems.rejectUnknownKeys(logging, LOGGING_KEYS);
        String format = problems.oneOf(logging, "format", "text", List.of("text", "json"));
        ConfigNode shutdown = problems.map(root, "shutdown");
        problems.rejectUnknownKeys(shutdown, SHUTDOWN_KEYS);
        Duration drain = problems.duration(shutdown, "drain-timeout", DEFAULT_DRAIN);
        if (drain.isNegative() || drain.compareTo(MAX_DRAIN) > 0) {
            shutdown.get("drain-timeout").ifPresent(n -> problems.add(n, "expected a duration from 0s to 1h"));
            drain = DEFAULT_DRAIN;
        }
        ConfigNode metrics = problems.map(root, "metrics");
        problems.rejectUnknownKeys(metrics, METRICS_KEYS);
        boolean enabled = problems.bool(metrics, "enabled", true);
        return new OpsConfig(format, drain, enabled);
    }
}
