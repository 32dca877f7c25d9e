package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.policy.PolicySet;
import dev.sluice.core.policy.RuleSource;
import dev.sluice.postgres.DangerousFunctions;

/**
 * Builds one consistent {@link GatewayState} from the config file and the policy files it names. Everything is
 * validated before anything is used: a file that does not validate throws {@link ConfigException} with every
 * problem, and the caller keeps its last good state.
 */
final class GatewayStates {
    private GatewayStates() {
    }

    static GatewayState load(Path configFile) {
        return build(ConfigLoader.load(configFile));
    }

    static GatewayState build(SluiceConfig config) {
        List<RuleSource> sources = new ArrayList<>();
        if (!config.policies().isMissing()) {
            sources.add(new ConfigRuleSource(config.policies()));
        }
        List<ConfigProblem> problems = new ArrayList<>(EvidenceConfig.problems(config));
        for (Path file : policyFiles(config)) {
            try {
                ConfigNode node = ConfigNode.parse(file, Files.readString(file));
                if (!node.isList()) {
                    problems.add(node.problem("a policy file holds a list of rules"));
                    continue;
                }
                sources.add(new ConfigRuleSource(node));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            } catch (IOException e) {
                problems.add(new ConfigProblem(file, 0, "", "cannot read: " + e.getMessage()));
            }
        }
        PolicySet policies;
        try {
            policies = PolicySet.parse(sources, DangerousFunctions.all());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            policies = null;
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new GatewayState(config, policies);
    }

    /** The policy directory's *.yaml and *.yml files, in name order (so evaluation order is stable). */
    static List<Path> policyFiles(SluiceConfig config) {
        if (config.policyDir().isEmpty() || !Files.isDirectory(config.policyDir().get())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(config.policyDir().get())) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
