package dev.sluice.core.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.identity.Principal;

/** Rule lists → compiled rules, or a {@link ConfigException} carrying every problem. One instance per parse. */
final class RuleParser {
    static final List<String> ACTIONS = List.of("allow", "deny", "require-approval", "mask");
    private static final Set<String> RULE_KEYS = Set.of("name", "description", "connections", "subjects", "groups",
            "kind", "delegated-by", "allow", "deny", "require-approval", "mask");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
    private static final String LABEL = "label:";

    private final Problems problems = new Problems();
    private final BodyParser bodies;
    private final Map<String, RuleSource> names = new HashMap<>();

    RuleParser(Set<String> knownKinds) {
        this.bodies = new BodyParser(problems, Set.copyOf(knownKinds));
    }

    List<CompiledRule> parse(List<RuleSource> ruleLists) {
        List<CompiledRule> result = new ArrayList<>();
        for (RuleSource list : ruleLists) {
            if (!list.isList()) {
                problems.add(list, "must be a list of rules");
                continue;
            }
            for (RuleSource item : list.items()) {
                rule(item).ifPresent(result::add);
            }
        }
        if (!problems.list().isEmpty()) {
            throw new ConfigException(problems.list());
        }
        return result;
    }

    private Optional<CompiledRule> rule(RuleSource node) {
        if (!node.isMap()) {
            problems.add(node, "a rule must be a map with at least 'name' and one action");
            return Optional.empty();
        }
        int before = problems.list().size();
        Map<String, RuleSource> entries = node.entries();
        problems.unknownKeys(node, RULE_KEYS, "a rule");
        Optional<String> name = name(node, entries.get("name"));
        String description = Optional.ofNullable(entries.get("description")).flatMap(problems::text).orElse("");
        Selectors selectors = selectors(entries);
        List<String> actions = ACTIONS.stream().filter(entries::containsKey).toList();
        if (actions.size() != 1) {
            problems.add(node, actions.isEmpty()
                    ? "a rule needs exactly one action: " + String.join(", ", ACTIONS)
                    : "a rule has exactly one action; found " + String.join(" and ", actions));
            return Optional.empty();
        }
        Optional<BodyParser.Body> body = bodies.parse(actions.getFirst(), entries.get(actions.getFirst()));
        if (name.isEmpty() || body.isEmpty() || problems.list().size() != before) {
            return Optional.empty();
        }
        Rule rule = new Rule(name.get(), description, node.file(), node.line(), selectors, body.get().action(),
                body.get().condition());
        return Optional.of(new CompiledRule(rule, body.get().program()));
    }

    private Optional<String> name(RuleSource rule, RuleSource node) {
        if (node == null) {
            problems.add(rule, "a rule needs a 'name'");
            return Optional.empty();
        }
        Optional<String> result = problems.text(node);
        if (result.isEmpty()) {
            return result;
        }
        if (!NAME.matcher(result.get()).matches()) {
            problems.add(node, "rule name '" + result.get() + "' must be 1-100 letters, digits, '-', '_' or '.'");
            return Optional.empty();
        }
        RuleSource first = names.putIfAbsent(result.get(), node);
        if (first != null) {
            problems.add(node, "duplicate rule name '" + result.get() + "'; first declared at " + first.file() + ":"
                    + first.line());
            return Optional.empty();
        }
        return result;
    }

    private Selectors selectors(Map<String, RuleSource> entries) {
        List<Selectors.ConnectionSelector> connections = new ArrayList<>();
        Optional.ofNullable(entries.get("connections")).ifPresent(node -> problems.strings(node, false)
                .ifPresent(values -> values.forEach(v -> connection(node, v).ifPresent(connections::add))));
        Set<String> subjects = set(entries.get("subjects"));
        Set<String> groups = set(entries.get("groups"));
        Set<String> delegatedBy = set(entries.get("delegated-by"));
        Optional<Principal.Kind> kind = Optional.ofNullable(entries.get("kind")).flatMap(this::kind);
        return new Selectors(connections, subjects, groups, kind, delegatedBy);
    }

    private Set<String> set(RuleSource node) {
        return node == null ? Set.of()
                : problems.strings(node, false).<Set<String>>map(LinkedHashSet::new).orElse(Set.of());
    }

    private Optional<Selectors.ConnectionSelector> connection(RuleSource node, String value) {
        if (!value.startsWith(LABEL)) {
            if (value.contains(":")) {
                problems.add(node, "connection selector '" + value + "' must be a name or label:key=value");
                return Optional.empty();
            }
            return Optional.of(new Selectors.ConnectionSelector.Named(value));
        }
        String selector = value.substring(LABEL.length());
        int eq = selector.indexOf('=');
        if (eq <= 0 || eq == selector.length() - 1) {
            problems.add(node, "label selector '" + value + "' must be label:key=value");
            return Optional.empty();
        }
        return Optional.of(new Selectors.ConnectionSelector.Labelled(selector.substring(0, eq).strip(),
                selector.substring(eq + 1).strip()));
    }

    private Optional<Principal.Kind> kind(RuleSource node) {
        Optional<String> text = problems.text(node);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return switch (text.get().toLowerCase(Locale.ROOT)) {
            case "machine" -> Optional.of(Principal.Kind.MACHINE);
            case "human" -> Optional.of(Principal.Kind.HUMAN);
            default -> {
                problems.add(node, "kind must be machine or human (was: " + text.get() + ")");
                yield Optional.empty();
            }
        };
    }
}
