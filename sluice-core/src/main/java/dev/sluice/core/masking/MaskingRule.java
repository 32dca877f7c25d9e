package dev.sluice.core.masking;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the config's {@code masking} list: for which connections and callers it applies, which columns it
 * replaces whole, and which detectors it runs over every other text value.
 *
 * @param name          unique among the rules; names the rule in audit counts
 * @param connections   connection names it applies to; empty means every connection
 * @param unlessGroups  callers in any of these groups see clear values (e.g. {@code dpo})
 * @param columns       whole-value rules, in document order (the first matching selector wins)
 * @param detectors     runs the rule's detectors with its strategy over text values no column rule took
 * @param refuseInPredicates the rule's callers may not use a masked column in WHERE, JOIN, HAVING, GROUP BY,
 *                      ORDER BY or window clauses (config key {@code refuse-in-predicates}): closes the probing
 *                      channel {@code WHERE card LIKE '4%'} at the price of every such query
 */
public record MaskingRule(String name, List<String> connections, Set<String> unlessGroups, List<ColumnRule> columns,
                          TextMasker detectors, boolean refuseInPredicates) {
    /** A rule without {@code refuse-in-predicates}. */
    public MaskingRule(String name, List<String> connections, Set<String> unlessGroups, List<ColumnRule> columns,
                       TextMasker detectors) {
        this(name, connections, unlessGroups, columns, detectors, false);
    }

    public MaskingRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(detectors, "detectors");
        connections = List.copyOf(connections);
        unlessGroups = Set.copyOf(unlessGroups);
        columns = List.copyOf(columns);
    }

    /** A column selector and the strategy that replaces the whole value of every column it selects. */
    public record ColumnRule(ColumnPattern pattern, Strategy strategy) {
        public ColumnRule {
            Objects.requireNonNull(pattern, "pattern");
            Objects.requireNonNull(strategy, "strategy");
        }
    }

    /** Whether a session of a caller in {@code groups} on {@code connection} is masked by this rule. */
    public boolean appliesTo(String connection, Set<String> groups) {
        if (!connections.isEmpty() && !connections.contains(connection)) {
            return false;
        }
        for (String group : unlessGroups) {
            if (groups.contains(group)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the rule runs detectors at all. */
    public boolean hasDetectors() {
        return !detectors.detectors().isEmpty();
    }
}
