package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRule;
import dev.sluice.core.masking.MaskingRules;

/**
 * {@code sluice mask test}: a dry run of the config's masking rules on a text, for checking detectors and
 * strategies before they go live. Writes nothing: the data dir's hash key is used when it exists (so tokens match
 * what a session would see), a throwaway key otherwise.
 */
@Command(name = "mask", description = "Masking tools.", subcommands = MaskCommand.Test.class)
final class MaskCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    @Command(name = "test", description = "Show what the masking rules do to a text (and to a column value).")
    static final class Test implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
        Path config;

        @Option(names = "--connection", description = "apply only the rules of this connection (default: all rules)")
        String connection;

        @Option(names = "--groups", split = ",", description = "the caller's groups (rules with unless-groups)")
        List<String> groups = List.of();

        @Option(names = "--column", description = "also treat the text as the value of column table.column")
        String column;

        @Parameters(index = "0", description = "the text to mask")
        String text;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            MaskingRules rules;
            boolean stableKey;
            try {
                SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
                stableKey = Files.exists(loaded.dataDir().resolve(MaskingKeys.FILE));
                rules = MaskingRules.parse(loaded.masking(), stableKey ? MaskingKeys.dataDir(loaded.dataDir())
                        : MaskingKeys.ephemeral(), new SecretResolver(System.getenv()));
            } catch (ConfigException e) {
                e.problems().forEach(p -> spec.commandLine().getErr().println(p));
                return 2;
            }
            MaskingPlan plan = plan(rules);
            out.println("rules: " + (plan.rules().isEmpty() ? "(none apply)"
                    : String.join(", ", plan.rules().stream().map(MaskingRule::name).toList())));
            MaskTally tally = new MaskTally();
            String masked = plan.maskText(text, tally);
            out.println("detectors: " + masked);
            report(out, tally.take());
            if (column != null) {
                int dot = column.lastIndexOf('.');
                Optional<MaskingPlan.ColumnMask> mask = dot <= 0 ? Optional.empty()
                        : plan.column("", column.substring(0, dot), column.substring(dot + 1));
                if (mask.isEmpty()) {
                    out.println("column " + column + ": no column rule; detectors apply");
                } else {
                    String value = mask.get().nullifies() ? "NULL"
                            : plan.maskColumn(mask.get(), text, column, tally);
                    out.println("column " + column + ": rule " + mask.get().ruleName() + " (" + mask.get().selector()
                            + "): " + value);
                }
            }
            if (!stableKey) {
                out.println("note: no hash key in the data dir yet; hash tokens shown here are not the live ones");
            }
            return 0;
        }

        private MaskingPlan plan(MaskingRules rules) {
            Set<String> callerGroups = Set.copyOf(groups);
            if (connection != null) {
                return rules.plan(connection, callerGroups);
            }
            return new MaskingRules(rules.rules().stream().map(r -> new MaskingRule(r.name(), List.of(),
                    r.unlessGroups(), r.columns(), r.detectors())).toList()).plan("", callerGroups);
        }

        private static void report(PrintWriter out, Map<String, Long> counts) {
            if (counts.isEmpty()) {
                out.println("masked: nothing");
            } else {
                counts.forEach((key, count) -> out.println("masked: " + key + " x" + count));
            }
        }
    }
}
