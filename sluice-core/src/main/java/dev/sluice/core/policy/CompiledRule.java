package dev.sluice.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.cel.runtime.CelRuntime;

/** A rule with its {@code when} program compiled. Immutable; matching has no side effect. */
record CompiledRule(Rule rule, Optional<CelRuntime.Program> when) {

    private static final int MAX_ERROR_TEXT = 200;

    boolean selects(PolicyInput input) {
        return rule.selectors().matches(input.principal(), input.connection(), input.connectionLabels());
    }

    /** Deny and require-approval rules: they restrict, so they match leniently and fail closed. */
    boolean restrictive() {
        return rule.action() instanceof Action.Deny || rule.action() instanceof Action.RequireApproval;
    }

    /**
     * Whether the rule's decision rests on the command's primary kind: it has no {@code kinds} condition, or lists
     * the primary kind (or OPAQUE for an opaque command). A deny matched only through a secondary kind (ALTER of
     * {@code ALTER DEFAULT PRIVILEGES .. GRANT}) ranks after one that names the primary kind.
     */
    boolean namesPrimaryKind(Command command) {
        Set<String> kinds = rule.condition().kinds();
        return kinds.isEmpty() || kinds.contains(command.kind())
                || (command.opaque() && kinds.contains(Condition.OPAQUE));
    }

    /** Whether the rule names the command's kind (or UNKNOWN/OPAQUE) explicitly; only meaningful once it matched. */
    boolean listsKind() {
        return !rule.condition().kinds().isEmpty();
    }

    /**
     * Matches the command against the condition. Returns why it matched, or empty. A {@code when} that fails to
     * evaluate counts as matched for a restrictive rule and as not matched for an allow rule: both fail closed.
     */
    Optional<String> match(PolicyInput input, Vocabulary vocabulary, Supplier<Map<String, Object>> activation) {
        Condition condition = rule.condition();
        Command command = input.command();
        boolean lenient = restrictive();
        List<String> why = new ArrayList<>();
        if (!condition.kinds().isEmpty()) {
            boolean opaqueListed = command.opaque() && condition.kinds().contains(Condition.OPAQUE);
            // a statement with several effects (an upsert inserts and updates): a restrictive rule matches when it
            // lists any of them, an allow rule only when it lists all of them; both fail closed
            boolean listed = lenient ? command.kinds().stream().anyMatch(condition.kinds()::contains)
                    : condition.kinds().containsAll(command.kinds());
            if (!listed && !opaqueListed) {
                return Optional.empty();
            }
            why.add(kindDetail(command, condition));
        }
        Map<String, Set<String>> objects = command.objects();
        if (!condition.tables().isEmpty()) {
            Set<String> tables = objects.getOrDefault(Command.TABLES, Set.of());
            Predicate<String> table = t -> condition.tables().stream().anyMatch(g -> Glob.matchesTable(g, t, lenient));
            if (!covers(tables, table, lenient)) {
                return Optional.empty();
            }
            why.add("tables " + String.join(",", tables.stream().filter(table).sorted().toList()));
        }
        Map<String, List<String>> globs = new java.util.LinkedHashMap<>();
        if (!condition.functions().isEmpty()) {
            globs.put(Command.FUNCTIONS, condition.functions());
        }
        globs.putAll(condition.objects());
        for (Map.Entry<String, List<String>> key : globs.entrySet()) {
            // a key the command does not have (paths: of a SQL statement) matches nothing in it
            Set<String> values = objects.getOrDefault(key.getKey(), Set.of());
            Set<String> dangerous = vocabulary.dangerous(command.protocol(), key.getKey());
            // Fail closed: a restrictive rule matches paths ignoring case too (IIS, ASP.NET Core and other routers
            // run /ADMIN as /admin); an allow rule matches them exactly.
            boolean anyCase = lenient && Command.PATHS.equals(key.getKey());
            Predicate<String> test = v -> key.getValue().stream().anyMatch(
                    g -> Condition.DANGEROUS.equals(g) ? dangerous.contains(v) : Glob.matches(g, v)
                            || anyCase && Glob.matches(g.toLowerCase(java.util.Locale.ROOT),
                            v.toLowerCase(java.util.Locale.ROOT)));
            if (!covers(values, test, lenient)) {
                return Optional.empty();
            }
            why.add(key.getKey() + " " + String.join(",", values.stream().filter(test).sorted().toList()));
        }
        if (when.isPresent()) {
            try {
                if (!CelSupport.eval(when.get(), activation.get())) {
                    return Optional.empty();
                }
                why.add("when holds");
            } catch (Exception e) { // CelEvaluationException or a runtime failure inside CEL: fail closed
                if (!lenient) {
                    return Optional.empty();
                }
                why.add("when failed to evaluate (" + shorten(e.getMessage()) + "); counted as matched: fail closed");
            }
        }
        return Optional.of(why.isEmpty() ? "matches every command" : String.join("; ", why));
    }

    /** {@code kind DELETE}, or for a command with several kinds the listed ones: {@code kind LOCK (of SELECT+LOCK)}. */
    private static String kindDetail(Command command, Condition condition) {
        List<String> listed = command.kinds().stream().filter(condition.kinds()::contains).toList();
        String named = listed.isEmpty() ? command.kind() : String.join(",", listed); // listed as OPAQUE
        return "kind " + named + (command.kinds().size() > 1 ? " (of " + command.kindsLabel() + ")" : "");
    }

    /** Restrictive rules match when any element matches; allow rules only when there are elements and all match. */
    private static boolean covers(Set<String> values, Predicate<String> test, boolean any) {
        return any ? values.stream().anyMatch(test) : !values.isEmpty() && values.stream().allMatch(test);
    }

    private static String shorten(String message) {
        String text = message == null ? "no message" : message;
        return text.length() <= MAX_ERROR_TEXT ? text : text.substring(0, MAX_ERROR_TEXT) + "...";
    }
}
