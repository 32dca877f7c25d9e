package dev.sluice.core.masking;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.sluice.core.Secret;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.SecretResolver;

/** The config's {@code masking} list → {@link MaskingRules}, or every problem at its file and line. One per parse. */
final class MaskingRuleParser {
    private static final Set<String> RULE_KEYS = Set.of("name", "description", "connections", "unless-groups",
            "columns", "detectors", "custom-detectors", "strategy", "hash-key",
            "refuse-in-predicates");
    private static final Set<String> CUSTOM_KEYS = Set.of("name", "pattern");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

    private final MaskingKeys keys;
    private final SecretResolver secrets;
    private final ConfigProblems problems = new ConfigProblems();
    private final Set<String> names = new HashSet<>();
    private byte[] defaultKey;

    MaskingRuleParser(MaskingKeys keys, SecretResolver secrets) {
        this.keys = keys;
        this.secrets = secrets;
    }

    MaskingRules parse(ConfigNode masking) {
        List<MaskingRule> result = new ArrayList<>();
        if (!masking.isAbsent() && !masking.isList()) {
            problems.add(masking, "expected a list of masking rules, got " + masking.describe());
        }
        for (ConfigNode item : masking.items()) {
            rule(item).ifPresent(result::add);
        }
        problems.throwIfAny();
        return new MaskingRules(result);
    }

    private Optional<MaskingRule> rule(ConfigNode node) {
        if (!node.isMap()) {
            problems.add(node, "a masking rule must be a map with a 'name'");
            return Optional.empty();
        }
        int before = problems.count();
        problems.rejectUnknownKeys(node, RULE_KEYS);
        String name = problems.requiredString(node, "name");
        if (!name.isEmpty() && !NAME.matcher(name).matches()) {
            problems.add(node.at("name"), "a rule name is 1-100 letters, digits, '_', '.', '-'");
        } else if (!name.isEmpty() && !names.add(name)) {
            problems.add(node.at("name"), "duplicate masking rule name '" + name + "'");
        }
        problems.optionalString(node, "description");
        List<String> connections = problems.stringList(node, "connections");
        Set<String> unless = new LinkedHashSet<>(problems.stringList(node, "unless-groups"));
        Optional<byte[]> ruleKey = ruleKey(node);
        List<MaskingRule.ColumnRule> columns = columns(node, ruleKey);
        List<Detector> detectors = detectors(node);
        ConfigNode strategyNode = node.at("strategy");
        Strategy strategy = strategy(strategyNode, problems.string(node, "strategy", "redact"), ruleKey)
                .orElse(Strategy.redact());
        if (columns.isEmpty() && detectors.isEmpty() && problems.count() == before) {
            problems.add(node, "masking rule '" + name + "' masks nothing: give 'columns' or 'detectors'");
        }
        boolean refuseInPredicates = problems.bool(node, "refuse-in-predicates", false);
        if (problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new MaskingRule(name, connections, unless, columns, new TextMasker(detectors, strategy),
                refuseInPredicates));
    }

    private List<MaskingRule.ColumnRule> columns(ConfigNode rule, Optional<byte[]> ruleKey) {
        List<MaskingRule.ColumnRule> result = new ArrayList<>();
        problems.map(rule, "columns").entries().forEach((selector, value) -> {
            ColumnPattern pattern;
            try {
                pattern = ColumnPattern.parse(selector);
            } catch (MaskingConfigException e) {
                problems.add(value, e.getMessage());
                return;
            }
            if (!value.isScalar()) {
                problems.add(value, "expected a strategy (redact, partial, hash, null), got " + value.describe());
                return;
            }
            // "customers.ssn: null" is a YAML null: it means the null strategy, as written.
            strategy(value, value.isNull() ? "null" : value.text(), ruleKey).ifPresent(s -> result.add(new MaskingRule.ColumnRule(pattern, s)));
        });
        return result;
    }

    private List<Detector> detectors(ConfigNode rule) {
        List<Detector> custom = new ArrayList<>();
        Set<String> customNames = new HashSet<>();
        for (ConfigNode item : problems.list(rule, "custom-detectors").items()) {
            if (!problems.expectMap(item)) {
                continue;
            }
            problems.rejectUnknownKeys(item, CUSTOM_KEYS);
            String name = problems.requiredString(item, "name");
            String pattern = problems.requiredString(item, "pattern");
            if (name.isEmpty() || pattern.isEmpty()) {
                continue;
            }
            try {
                Detector detector = Detectors.regex(name, pattern);
                if (customNames.add(name)) {
                    custom.add(detector);
                } else {
                    problems.add(item.at("name"), "duplicate custom detector '" + name + "'");
                }
            } catch (MaskingConfigException e) {
                problems.add(item, e.getMessage());
            }
        }
        List<Detector> result = new ArrayList<>();
        List<ConfigNode> items = problems.list(rule, "detectors").items();
        for (ConfigNode item : items) {
            String name = item.text();
            if (!item.isScalar() || item.isNull()) {
                problems.add(item, "expected a detector name, got " + item.describe());
            } else if (customNames.contains(name)) {
                continue; // declared in this rule: added below, once
            } else {
                Optional<Detector> builtIn = Detectors.builtIn(name);
                if (builtIn.isPresent()) {
                    if (result.stream().noneMatch(d -> d.name().equals(name))) {
                        result.add(builtIn.get());
                    }
                } else {
                    problems.add(item, "unknown detector '" + name + "' (expected a built-in: "
                            + String.join(", ", Detectors.builtInNames()) + "; or one of this rule's custom-detectors)");
                }
            }
        }
        result.addAll(custom);
        return result;
    }

    private Optional<Strategy> strategy(ConfigNode node, String spec, Optional<byte[]> ruleKey) {
        try {
            boolean hash = spec.strip().toLowerCase(Locale.ROOT).startsWith("hash");
            byte[] key = !hash ? new byte[0] : ruleKey.orElseGet(this::defaultKey);
            return Optional.of(Strategy.parse(spec, key));
        } catch (MaskingConfigException e) {
            problems.add(node, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<byte[]> ruleKey(ConfigNode rule) {
        ConfigNode node = rule.at("hash-key");
        if (node.isAbsent()) {
            return Optional.empty();
        }
        Secret secret = secrets.resolve(node, problems);
        byte[] result = secret.reveal().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (result.length < 16) {
            problems.add(node, "a hash-key needs at least 16 bytes");
        }
        return Optional.of(result);
    }

    private byte[] defaultKey() {
        if (defaultKey == null) {
            defaultKey = keys.hashKey();
        }
        return defaultKey;
    }
}
