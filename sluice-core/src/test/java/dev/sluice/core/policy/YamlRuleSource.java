package dev.sluice.core.policy;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Test adapter: a SnakeYAML node tree as a {@link RuleSource}, with 1-based lines and key paths. */
record YamlRuleSource(Path file, Node node, String path) implements RuleSource {

    /** The list under {@code policies:} of a config document, or the root list of a policy file. */
    static RuleSource policies(Path file, String yaml) {
        Node root = new Yaml().compose(new StringReader(yaml));
        RuleSource document = new YamlRuleSource(file, root, "");
        if (document.isMap() && document.entries().containsKey("policies")) {
            return document.entries().get("policies");
        }
        return document;
    }

    @Override
    public int line() {
        return node.getStartMark().getLine() + 1;
    }

    @Override
    public boolean isMap() {
        return node instanceof MappingNode;
    }

    @Override
    public boolean isList() {
        return node instanceof SequenceNode;
    }

    @Override
    public boolean isScalar() {
        return node instanceof ScalarNode;
    }

    @Override
    public Map<String, RuleSource> entries() {
        Map<String, RuleSource> result = new LinkedHashMap<>();
        if (node instanceof MappingNode map) {
            map.getValue().forEach(t -> {
                String key = ((ScalarNode) t.getKeyNode()).getValue();
                result.put(key, new YamlRuleSource(file, t.getValueNode(), path.isEmpty() ? key : path + "." + key));
            });
        }
        return result;
    }

    @Override
    public List<RuleSource> items() {
        if (!(node instanceof SequenceNode list)) {
            return List.of();
        }
        return IntStream.range(0, list.getValue().size())
                .<RuleSource>mapToObj(i -> new YamlRuleSource(file, list.getValue().get(i), path + "[" + i + "]"))
                .toList();
    }

    @Override
    public String text() {
        return node instanceof ScalarNode s && !Tag.NULL.equals(s.getTag()) ? s.getValue() : "";
    }
}
