package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.approval.ApprovalSettings;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.policy.ConfigRuleSource;
import dev.sluice.core.policy.PolicySet;
import dev.sluice.core.policy.RuleSource;
import dev.sluice.core.spi.ProtocolProvider;

/**
 * Builds one consistent {@link GatewayState} from the config file and the policy files it names. Everything is
 * validated before anything is used: a file that does not validate throws {@link ConfigException} with every
 * problem, and the caller keeps its last good state.
 */
final class GatewayStates {
    private GatewayStates() {
    }

    static GatewayState load(Path configFile) {
        SluiceConfig config;
        try {
            config = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            // Report the inline policies' problems too, so one run shows everything wrong with the file.
            List<ConfigProblem> problems = new ArrayList<>(e.problems());
            problems.addAll(inlinePolicyProblems(configFile));
            throw new ConfigException(problems);
        }
        return build(config);
    }

    private static List<ConfigProblem> inlinePolicyProblems(Path configFile) {
        try {
            ConfigNode policies = ConfigNode.parse(configFile, Files.readString(configFile)).at("policies");
            if (policies.isList()) {
                PolicySet.parse(List.of(new ConfigRuleSource(policies)), ProtocolProvider.installedVocabulary());
            }
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().filter(p -> p.keyPath().startsWith("policies")).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    static GatewayState build(SluiceConfig config) {
        List<RuleSource> sources = new ArrayList<>();
        if (!config.policies().isMissing()) {
            sources.add(new ConfigRuleSource(config.policies()));
        }
        ConfigProblems sectionProblems = new ConfigProblems();
        EvidenceConfig evidence = EvidenceConfig.bind(config, sectionProblems);
        ApprovalSettings approvals = ApprovalSettings.bind(config, System.getenv(), sectionProblems);
        dev.sluice.relay.RelaysConfig.of(config, sectionProblems); // checked here too, so `sluice check` reports it
        List<ConfigProblem> problems = new ArrayList<>(sectionProblems.list());
        problems.addAll(OpsConfig.problems(config));
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
            policies = PolicySet.parse(sources, ProtocolProvider.installedVocabulary());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            policies = null;
        }
        MaskingRules masking;
        try {
            masking = MaskingRules.parse(config.masking(), MaskingKeys.dataDir(config.dataDir()),
                    new SecretResolver(System.getenv()));
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            masking = null;
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new GatewayState(config, policies, masking).with(evidence).with(approvals);
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
