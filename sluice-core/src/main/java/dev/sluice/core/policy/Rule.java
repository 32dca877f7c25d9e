package dev.sluice.core.policy;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One validated, immutable policy rule as declared in YAML.
 *
 * @param name        unique across every policy file
 * @param description free text, empty when absent
 * @param file        the file declaring the rule
 * @param line        the line where the rule starts
 * @param selectors   who and where the rule applies to
 * @param action      what the rule does when it matches
 * @param condition   which commands it matches; {@link Condition#ANY} for a {@code mask} rule
 */
public record Rule(String name, String description, Path file, int line, Selectors selectors, Action action,
                   Condition condition) {
    public Rule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(selectors, "selectors");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(condition, "condition");
    }

    /** {@code FILE:LINE}, for messages. */
    public String location() {
        return file + ":" + line;
    }
}
