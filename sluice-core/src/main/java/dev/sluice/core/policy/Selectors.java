package dev.sluice.core.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.identity.Principal;

/**
 * Who and where a rule applies to. Every non-empty selector must match (AND); inside one selector any listed value
 * may match (OR). An empty selector was omitted from the YAML and matches everything.
 *
 * @param connections connection names or label selectors
 * @param subjects    principal subjects ({@code sub})
 * @param groups      principal groups
 * @param kind        human or machine
 * @param delegatedBy subjects on whose behalf an agent acts: matches a delegated principal (non-empty actor chain)
 *                    whose subject is listed; {@code *} matches any delegated principal
 */
public record Selectors(List<ConnectionSelector> connections, Set<String> subjects, Set<String> groups,
                        Optional<Principal.Kind> kind, Set<String> delegatedBy) {

    public static final Selectors ANY = new Selectors(List.of(), Set.of(), Set.of(), Optional.empty(), Set.of());

    public Selectors {
        connections = List.copyOf(connections);
        subjects = Set.copyOf(subjects);
        groups = Set.copyOf(groups);
        delegatedBy = Set.copyOf(delegatedBy);
    }

    /** Whether the rule applies to this principal on this connection. */
    public boolean matches(Principal principal, String connection, Map<String, String> labels) {
        if (!connections.isEmpty() && connections.stream().noneMatch(c -> c.matches(connection, labels))) {
            return false;
        }
        if (!subjects.isEmpty() && !subjects.contains(principal.subject())) {
            return false;
        }
        if (!groups.isEmpty() && principal.groups().stream().noneMatch(groups::contains)) {
            return false;
        }
        if (kind.isPresent() && kind.get() != principal.kind()) {
            return false;
        }
        return delegatedBy.isEmpty() || principal.delegated()
                && (delegatedBy.contains("*") || delegatedBy.contains(principal.subject()));
    }

    /** A connection name, or a {@code label:key=value} selector. */
    public sealed interface ConnectionSelector {
        boolean matches(String connection, Map<String, String> labels);

        record Named(String name) implements ConnectionSelector {
            @Override
            public boolean matches(String connection, Map<String, String> labels) {
                return name.equals(connection);
            }
        }

        record Labelled(String key, String value) implements ConnectionSelector {
            @Override
            public boolean matches(String connection, Map<String, String> labels) {
                return value.equals(labels.get(key));
            }
        }
    }
}
