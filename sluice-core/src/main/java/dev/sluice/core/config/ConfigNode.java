package dev.sluice.core.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A navigable, immutable YAML node that knows its file, line (1-based) and dotted key path
 * (for example {@code connections[0].address}; the root's path is empty).
 *
 * <p>A node is a map, a list, a scalar or missing. A YAML null ({@code key:}, {@code ~}, {@code null}) is a scalar
 * whose {@link #isNull()} is true and whose text is empty. A value in a map carries the line of its key, so a
 * problem points at the line a person would look at. {@link #toString()} never shows scalar text: a node may hold a
 * literal password.
 */
public final class ConfigNode {
    private final Path file;
    private final int line;
    private final String path;
    private final Kind kind;
    private final String text;
    private final Map<String, ConfigNode> entries;
    private final List<ConfigNode> items;

    enum Kind { MAP, LIST, SCALAR, NULL, MISSING }

    private ConfigNode(Path file, int line, String path, Kind kind, String text, Map<String, ConfigNode> entries,
                       List<ConfigNode> items) {
        this.file = Objects.requireNonNull(file, "file");
        this.line = line;
        this.path = Objects.requireNonNull(path, "path");
        this.kind = kind;
        this.text = text;
        this.entries = entries;
        this.items = items;
    }

    /**
     * Parses one YAML document.
     *
     * @throws ConfigException on a syntax error (with its line), a duplicate key in a mapping, a non-scalar key,
     *                         a recursive alias or a document that expands beyond the size limit
     */
    public static ConfigNode parse(Path file, String yamlText) {
        Objects.requireNonNull(yamlText, "yamlText");
        return YamlTree.parse(file, yamlText);
    }

    /** A missing node standing for an absent section: no entries, no items, empty text. */
    public static ConfigNode empty(Path file) {
        return missing(file, 1, "");
    }

    static ConfigNode missing(Path file, int line, String path) {
        return new ConfigNode(file, line, path, Kind.MISSING, "", Map.of(), List.of());
    }

    static ConfigNode scalar(Path file, int line, String path, String text) {
        return new ConfigNode(file, line, path, Kind.SCALAR, text, Map.of(), List.of());
    }

    static ConfigNode nullValue(Path file, int line, String path) {
        return new ConfigNode(file, line, path, Kind.NULL, "", Map.of(), List.of());
    }

    static ConfigNode map(Path file, int line, String path, LinkedHashMap<String, ConfigNode> entries) {
        return new ConfigNode(file, line, path, Kind.MAP, "", java.util.Collections.unmodifiableMap(entries),
                List.of());
    }

    static ConfigNode list(Path file, int line, String path, List<ConfigNode> items) {
        return new ConfigNode(file, line, path, Kind.LIST, "", Map.of(), List.copyOf(items));
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }

    public String path() {
        return path;
    }

    public boolean isMap() {
        return kind == Kind.MAP;
    }

    public boolean isList() {
        return kind == Kind.LIST;
    }

    /** True for a scalar value, including a YAML null. */
    public boolean isScalar() {
        return kind == Kind.SCALAR || kind == Kind.NULL;
    }

    /** True for an explicit YAML null ({@code key:} with no value, {@code ~} or {@code null}). */
    public boolean isNull() {
        return kind == Kind.NULL;
    }

    public boolean isMissing() {
        return kind == Kind.MISSING;
    }

    /** True when the node is missing or an explicit null: the value was not given. */
    public boolean isAbsent() {
        return kind == Kind.MISSING || kind == Kind.NULL;
    }

    /** The entry under {@code key}, if this is a map that has it (a YAML null value is present). */
    public Optional<ConfigNode> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /**
     * The entry under {@code key}, or a missing node whose path names the key and whose line is this node's,
     * so that "missing required key" problems point at the enclosing section.
     */
    public ConfigNode at(String key) {
        ConfigNode result = entries.get(key);
        return result != null ? result : missing(file, line, childPath(key));
    }

    /** Entries in document order; empty if this is not a map. */
    public Map<String, ConfigNode> entries() {
        return entries;
    }

    /** Items in document order; empty if this is not a list. */
    public List<ConfigNode> items() {
        return items;
    }

    /** The scalar text; empty if this is not a scalar or is a YAML null. */
    public String text() {
        return text;
    }

    /** A short word for the node's kind, for messages: "a map", "a list", "a scalar", "null", "missing". */
    public String describe() {
        return switch (kind) {
            case MAP -> "a map";
            case LIST -> "a list";
            case SCALAR -> "a scalar";
            case NULL -> "null";
            case MISSING -> "missing";
        };
    }

    /** A problem located at this node. */
    public ConfigProblem problem(String message) {
        return new ConfigProblem(file, line, path, message);
    }

    String childPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    String itemPath(int index) {
        return path + "[" + index + "]";
    }

    /** Location and kind only; never the scalar text. */
    @Override
    public String toString() {
        return "ConfigNode[" + file + ":" + line + " " + (path.isEmpty() ? "(root)" : path) + " " + describe() + "]";
    }
}
