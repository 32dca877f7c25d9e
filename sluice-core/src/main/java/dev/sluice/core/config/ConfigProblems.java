package dev.sluice.core.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Collects every problem found while binding a configuration, so that a person sees all of them at once.
 *
 * <p>The typed reads take a map node and a key. When the value is absent (no key, or a YAML null) they return the
 * default without a problem; when it has the wrong shape they record a problem at the value and return the
 * default, so binding always continues. Messages never quote a value that could be a secret. Not thread-safe:
 * one instance per load.
 */
public final class ConfigProblems {
    private final List<ConfigProblem> problems = new ArrayList<>();

    public void add(ConfigProblem problem) {
        problems.add(problem);
    }

    public void add(ConfigNode node, String message) {
        problems.add(node.problem(message));
    }

    public void addAll(List<ConfigProblem> more) {
        problems.addAll(more);
    }

    /** How many problems were recorded so far. */
    public int count() {
        return problems.size();
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    /** The problems so far, ordered by line (then by discovery). */
    public List<ConfigProblem> list() {
        List<ConfigProblem> result = new ArrayList<>(problems);
        result.sort(Comparator.comparing((ConfigProblem p) -> p.file().toString()).thenComparingInt(ConfigProblem::line));
        return List.copyOf(result);
    }

    /** @throws ConfigException carrying every problem, if there is any */
    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigException(list());
        }
    }

    /** Records "unknown key 'x' (expected one of: a, b)" for each key of {@code node} not in {@code allowed}. */
    public void rejectUnknownKeys(ConfigNode node, Set<String> allowed) {
        String expected = String.join(", ", new TreeSet<>(allowed));
        node.entries().forEach((key, value) -> {
            if (!allowed.contains(key)) {
                add(value, "unknown key '" + HostPort.shorten(key) + "' (expected one of: " + expected + ")");
            }
        });
    }

    /** Records a problem unless {@code node} is a map or absent; true when it is a map. */
    public boolean expectMap(ConfigNode node) {
        return expect(node, node.isMap(), "a map");
    }

    /** Records a problem unless {@code node} is a list or absent; true when it is a list. */
    public boolean expectList(ConfigNode node) {
        return expect(node, node.isList(), "a list");
    }

    /** The map under {@code key}; a missing node (with a problem if the value was not a map) otherwise. */
    public ConfigNode map(ConfigNode parent, String key) {
        ConfigNode node = parent.at(key);
        return expectMap(node) ? node : ConfigNode.missing(node.file(), node.line(), node.path());
    }

    /** The list under {@code key}; a missing node (with a problem if the value was not a list) otherwise. */
    public ConfigNode list(ConfigNode parent, String key) {
        ConfigNode node = parent.at(key);
        return expectList(node) ? node : ConfigNode.missing(node.file(), node.line(), node.path());
    }

    /** The scalar text under {@code key}, empty if absent or of the wrong shape (then with a problem). */
    public Optional<String> optionalString(ConfigNode parent, String key) {
        ConfigNode node = parent.at(key);
        if (node.isAbsent()) {
            return Optional.empty();
        }
        if (!node.isScalar()) {
            add(node, "expected a string, got " + node.describe());
            return Optional.empty();
        }
        return Optional.of(node.text());
    }

    public String string(ConfigNode parent, String key, String defaultValue) {
        return optionalString(parent, key).orElse(defaultValue);
    }

    /** The non-empty scalar text under {@code key}; records a problem and returns "" when it is absent or empty. */
    public String requiredString(ConfigNode parent, String key) {
        ConfigNode node = parent.at(key);
        if (node.isMissing()) {
            add(parent, "missing required key '" + key + "'");
            return "";
        }
        String result = optionalString(parent, key).orElse("");
        if (result.isBlank() && node.isScalar()) {
            add(node, "a value is required");
        }
        return result;
    }

    /** {@code true} or {@code false}, nothing else. */
    public boolean bool(ConfigNode parent, String key, boolean defaultValue) {
        ConfigNode node = parent.at(key);
        Optional<String> text = optionalString(parent, key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        return switch (text.get()) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                add(node, "expected true or false, got '" + HostPort.shorten(text.get()) + "'");
                yield defaultValue;
            }
        };
    }

    /** An integer from {@code min} to {@code max}. */
    public int integer(ConfigNode parent, String key, int defaultValue, int min, int max) {
        Optional<String> text = optionalString(parent, key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            int result = Integer.parseInt(text.get());
            if (result >= min && result <= max) {
                return result;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        add(parent.at(key), "expected an integer from " + min + " to " + max + ", got '"
                + HostPort.shorten(text.get()) + "'");
        return defaultValue;
    }

    /** A duration such as {@code 30s}, {@code 15m}, {@code 2h}, {@code 400d}, {@code 1h30m}, {@code 500ms}. */
    public Duration duration(ConfigNode parent, String key, Duration defaultValue) {
        Optional<String> text = optionalString(parent, key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            return Durations.parse(text.get());
        } catch (IllegalArgumentException e) {
            add(parent.at(key), e.getMessage());
            return defaultValue;
        }
    }

    /**
     * An address under {@code key} ({@code host:port}, see {@link HostPort#parse}); empty if absent or invalid
     * (then with a problem).
     */
    public Optional<HostPort> hostPort(ConfigNode parent, String key) {
        Optional<String> text = optionalString(parent, key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(HostPort.parse(text.get()));
        } catch (IllegalArgumentException e) {
            add(parent.at(key), e.getMessage());
            return Optional.empty();
        }
    }

    /** A one-of value, compared exactly (lower case by convention). */
    public String oneOf(ConfigNode parent, String key, String defaultValue, List<String> allowed) {
        String result = string(parent, key, defaultValue);
        if (!allowed.contains(result)) {
            add(parent.at(key), "unsupported value '" + HostPort.shorten(result) + "' (expected one of: "
                    + String.join(", ", allowed) + ")");
            return defaultValue;
        }
        return result;
    }

    /** A list of strings, in order without repeats; a single scalar is refused (write {@code [x]}). */
    public List<String> stringList(ConfigNode parent, String key) {
        Set<String> result = new LinkedHashSet<>();
        for (ConfigNode item : list(parent, key).items()) {
            if (item.isScalar() && !item.isNull()) {
                result.add(item.text());
            } else {
                add(item, "expected a string, got " + item.describe());
            }
        }
        return List.copyOf(result);
    }

    /** A map of string keys to string values, in document order. */
    public Map<String, String> stringMap(ConfigNode parent, String key) {
        Map<String, String> result = new LinkedHashMap<>();
        map(parent, key).entries().forEach((name, value) -> {
            if (value.isScalar() && !value.isNull()) {
                result.put(name, value.text());
            } else {
                add(value, "expected a string, got " + value.describe());
            }
        });
        return java.util.Collections.unmodifiableMap(result);
    }

    /** A path; a relative one is resolved against the directory of the configuration file. */
    public Optional<Path> path(ConfigNode parent, String key) {
        Optional<String> text = optionalString(parent, key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (text.get().isBlank()) {
            add(parent.at(key), "a path is required");
            return Optional.empty();
        }
        try {
            return Optional.of(resolve(parent.file(), text.get()));
        } catch (InvalidPathException e) {
            add(parent.at(key), "invalid path: " + e.getReason());
            return Optional.empty();
        }
    }

    /** Resolves {@code text} against the directory that holds {@code configFile}, normalized. */
    public static Path resolve(Path configFile, String text) {
        Path parent = configFile.toAbsolutePath().getParent();
        Path given = Path.of(text);
        return (parent == null ? given.toAbsolutePath() : parent.resolve(given)).normalize();
    }

    private boolean expect(ConfigNode node, boolean ok, String what) {
        if (ok) {
            return true;
        }
        if (!node.isAbsent()) {
            add(node, "expected " + what + ", got " + node.describe());
        }
        return false;
    }
}
