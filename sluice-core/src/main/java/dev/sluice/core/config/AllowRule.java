package dev.sluice.core.config;

import java.util.LinkedHashSet;
import java.util.Set;

import dev.sluice.core.identity.Principal;

/**
 * Who may open a connection (key {@code allow} of a connection): callers in any of {@code groups}, or whose
 * subject is one of {@code subjects}. An empty rule permits nobody: access is granted, never assumed.
 *
 * @param groups   group names as found in the issuer's groups claim
 * @param subjects {@code sub} values
 */
public record AllowRule(Set<String> groups, Set<String> subjects) {
    public AllowRule {
        groups = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(groups));
        subjects = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(subjects));
    }

    /** The rule that permits nobody. */
    public static AllowRule nobody() {
        return new AllowRule(Set.of(), Set.of());
    }

    /** Whether the principal's subject is listed, or one of its groups is. */
    public boolean permits(Principal principal) {
        return subjects.contains(principal.subject()) || principal.groups().stream().anyMatch(groups::contains);
    }

    static AllowRule bind(ConfigNode connection, ConfigProblems problems) {
        ConfigNode node = problems.map(connection, "allow");
        problems.rejectUnknownKeys(node, Set.of("groups", "subjects"));
        return new AllowRule(new LinkedHashSet<>(problems.stringList(node, "groups")),
                new LinkedHashSet<>(problems.stringList(node, "subjects")));
    }
}
