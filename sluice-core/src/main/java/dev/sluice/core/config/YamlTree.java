package dev.sluice.core.config;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns YAML text into a {@link ConfigNode} tree with SnakeYAML's composer (no object construction, so no tag
 * can instantiate a class). Bounded: input size, nesting depth and alias count are limited by SnakeYAML; the
 * number of nodes after alias expansion is limited here, and a recursive alias is refused.
 */
final class YamlTree {
    static final int MAX_CODE_POINTS = 4 * 1024 * 1024;
    static final int MAX_NODES = 100_000;

    private final Path file;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Set<Node> ancestors = Collections.newSetFromMap(new IdentityHashMap<>());
    private int nodeCount;

    private YamlTree(Path file) {
        this.file = file;
    }

    static ConfigNode parse(Path file, String yamlText) {
        Node root = compose(file, yamlText);
        if (root == null) {
            return ConfigNode.empty(file);
        }
        YamlTree tree = new YamlTree(file);
        ConfigNode result = tree.convert(root, "", line(root.getStartMark()));
        if (!tree.problems.isEmpty()) {
            throw new ConfigException(tree.problems);
        }
        return result;
    }

    private static Node compose(Path file, String yamlText) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setAllowRecursiveKeys(false);
        try {
            return new Yaml(options).compose(new StringReader(yamlText));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : "malformed document";
            if (e.getContext() != null && problem.startsWith("but ")) {
                problem = e.getContext() + ", " + problem;
            }
            throw new ConfigException(List.of(new ConfigProblem(file, mark == null ? 1 : line(mark), "",
                    "YAML syntax error: " + problem)));
        } catch (YAMLException e) {
            throw new ConfigException(List.of(new ConfigProblem(file, 1, "", "cannot read YAML: " + e.getMessage())));
        }
    }

    private static int line(Mark mark) {
        return mark == null ? 1 : mark.getLine() + 1;
    }

    private ConfigNode convert(Node node, String path, int line) {
        if (++nodeCount > MAX_NODES) {
            if (nodeCount == MAX_NODES + 1) {
                problems.add(new ConfigProblem(file, line, path,
                        "document expands to more than " + MAX_NODES + " nodes (check aliases)"));
            }
            return ConfigNode.missing(file, line, path);
        }
        if (!ancestors.add(node)) {
            problems.add(new ConfigProblem(file, line, path, "recursive alias: a node cannot contain itself"));
            return ConfigNode.missing(file, line, path);
        }
        try {
            return switch (node) {
                case ScalarNode scalar -> Tag.NULL.equals(scalar.getTag())
                        ? ConfigNode.nullValue(file, line, path)
                        : ConfigNode.scalar(file, line, path, scalar.getValue());
                case SequenceNode sequence -> convertSequence(sequence, path, line);
                case MappingNode mapping -> convertMapping(mapping, path, line);
                default -> {
                    problems.add(new ConfigProblem(file, line, path, "unsupported YAML node"));
                    yield ConfigNode.missing(file, line, path);
                }
            };
        } finally {
            ancestors.remove(node);
        }
    }

    private ConfigNode convertSequence(SequenceNode sequence, String path, int line) {
        List<ConfigNode> items = new ArrayList<>();
        for (Node item : sequence.getValue()) {
            items.add(convert(item, path + "[" + items.size() + "]", line(item.getStartMark())));
        }
        return ConfigNode.list(file, line, path, items);
    }

    private ConfigNode convertMapping(MappingNode mapping, String path, int line) {
        LinkedHashMap<String, ConfigNode> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            int keyLine = line(keyNode.getStartMark());
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                problems.add(new ConfigProblem(file, keyLine, path, "a key must be a plain string, not a "
                        + (keyNode instanceof MappingNode ? "map" : "list")));
                continue;
            }
            String key = scalarKey.getValue();
            String childPath = path.isEmpty() ? key : path + "." + key;
            ConfigNode previous = entries.get(key);
            if (previous != null) {
                problems.add(new ConfigProblem(file, keyLine, childPath,
                        "duplicate key '" + key + "' (first defined on line " + previous.line() + ")"));
                continue;
            }
            entries.put(key, convert(tuple.getValueNode(), childPath, keyLine));
        }
        return ConfigNode.map(file, line, path, entries);
    }
}
