package dev.sluice.core.config;

import java.util.List;
import java.util.Set;

/**
 * The top-level {@code recording} section: how much of each session is recorded into the audit trail.
 *
 * <pre>
 * recording:
 *   enabled: true            # default true
 *   record-results: summary  # none | summary | rows (default summary)
 *   record-rows-cap: 100     # rows kept per statement when record-results is rows (1..10000, default 100)
 * </pre>
 *
 * @param enabled       record sessions at all
 * @param results       what of each statement's results is kept
 * @param rowsCap       the most rows kept per statement
 */
public record RecordingConfig(boolean enabled, Results results, int rowsCap) {
    static final Set<String> KEYS = Set.of("enabled", "record-results", "record-rows-cap");
    public static final int DEFAULT_ROWS_CAP = 100;
    public static final int MAX_ROWS_CAP = 10_000;

    /** What of a statement's results a recording keeps. */
    public enum Results {
        /** The statement, its parameters and its outcome (tag, error); nothing of the result sets. */
        NONE,
        /** Also each result set's column names and the row count. */
        SUMMARY,
        /** Also the rows, up to the cap. */
        ROWS
    }

    public RecordingConfig {
        if (rowsCap < 1 || rowsCap > MAX_ROWS_CAP) {
            throw new IllegalArgumentException("rowsCap must be between 1 and " + MAX_ROWS_CAP);
        }
    }

    /** The defaults: enabled, summary, 100 rows. */
    public static RecordingConfig defaults() {
        return new RecordingConfig(true, Results.SUMMARY, DEFAULT_ROWS_CAP);
    }

    /** Binds the {@code recording} section of {@code root} (absent: the defaults), recording problems. */
    public static RecordingConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "recording");
        problems.rejectUnknownKeys(node, KEYS);
        boolean enabled = problems.bool(node, "enabled", true);
        String results = problems.oneOf(node, "record-results", "summary", List.of("none", "summary", "rows"));
        int cap = problems.integer(node, "record-rows-cap", DEFAULT_ROWS_CAP, 1, MAX_ROWS_CAP);
        return new RecordingConfig(enabled, Results.valueOf(results.toUpperCase(java.util.Locale.ROOT)), cap);
    }

    /** The section of a validated config; problems were reported when it was loaded, so they are ignored here. */
    public static RecordingConfig of(SluiceConfig config) {
        return bind(config.raw(), new ConfigProblems());
    }
}
