package dev.sluice.server;

import java.util.List;
import java.util.Set;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.RecordingConfig;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.export.ExportsConfig;
import dev.sluice.export.SinkConfig;

/**
 * The evidence sections of the config: {@code recording} ({@link RecordingConfig}), {@code exports}
 * ({@link ExportsConfig}) and {@code api}:
 *
 * <pre>
 * api:
 *   auditor-groups: [auditors]   # members may read the audit API; none configured: nobody may
 * </pre>
 */
record EvidenceConfig(RecordingConfig recording, List<String> auditorGroups, List<SinkConfig> exports) {
    private static final Set<String> API_KEYS = Set.of("auditor-groups");

    EvidenceConfig {
        auditorGroups = List.copyOf(auditorGroups);
        exports = List.copyOf(exports);
    }

    /** The sections of the generation in force (bound once, when it was loaded). */
    static EvidenceConfig of(dev.sluice.core.access.GatewayState state) {
        return state.section(EvidenceConfig.class).orElseGet(() -> bind(state.config(), new ConfigProblems()));
    }

    /** Binds the three sections, recording every problem. */
    static EvidenceConfig bind(SluiceConfig config, ConfigProblems problems) {
        ConfigNode root = config.raw();
        RecordingConfig recording = RecordingConfig.bind(root, problems);
        ConfigNode api = problems.map(root, "api");
        problems.rejectUnknownKeys(api, API_KEYS);
        List<String> auditors = problems.stringList(api, "auditor-groups");
        List<SinkConfig> exports = ExportsConfig.bind(root, problems, System.getenv());
        return new EvidenceConfig(recording, auditors, exports);
    }
}
