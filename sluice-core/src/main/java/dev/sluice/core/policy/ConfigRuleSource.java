package dev.sluice.core.policy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.config.ConfigNode;

/** Adapts a located config node to the policy parser's input, keeping file, line and key path for errors. */
public record ConfigRuleSource(ConfigNode node) implements RuleSource {
    @Override
    public Path file() {
        return node.file();
    }

    @Override
    public int line() {
        return node.line();
    }

    @Override
    public String path() {
        return node.path();
    }

    @Override
    public boolean isMap() {
        return node.isMap();
    }

    @Override
    public boolean isList() {
        return node.isList();
    }

    @Override
    public boolean isScalar() {
        return node.isScalar();
    }

    @Override
    public Map<String, RuleSource> entries() {
        Map<String, RuleSource> result = new LinkedHashMap<>();
        node.entries().forEach((key, value) -> result.put(key, new ConfigRuleSource(value)));
        return result;
    }

    @Override
    public List<RuleSource> items() {
        return node.items().stream().<RuleSource>map(ConfigRuleSource::new).toList();
    }

    @Override
    public String text() {
        return node.text();
    }
}
