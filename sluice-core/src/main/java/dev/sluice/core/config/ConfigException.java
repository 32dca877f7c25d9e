package dev.sluice.core.config;

import java.util.List;
import java.util.stream.Collectors;

import dev.sluice.core.SluiceException;

/** A configuration that does not validate. Carries every problem found, not only the first. */
public final class ConfigException extends SluiceException {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
