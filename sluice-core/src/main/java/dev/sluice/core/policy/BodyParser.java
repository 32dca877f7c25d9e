package dev.sluice.core.policy;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.cel.runtime.CelRuntime;

/** Parses the body of one action ({@code allow: {...}}): its conditions and, for holds, the approval terms. */
final class BodyParser {
    private static final Set<String> CONDITION_KEYS = Set.of("kinds", "tables", "functions", "when", "reason",
            Command.COMMANDS, Command.PATHS, Command.RESOURCES, Command.NAMESPACES, Command.NAMES, Command.HOSTS,
            Command.TOOLS);
    private static final Set<String> HOLD_KEYS = Set.of("approvers", "approvals-required", "expires", "scope",
            "respond");
    private static final Pattern KIND = Pattern.compile("[A-Z][A-Z0-9_ ]{0,63}");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    private static final Duration DEFAULT_EXPIRES = Duration.ofMinutes(5);
    private static final int MAX_APPROVALS = 100;

    private final Problems problems;
    /** Every kind some protocol classifies commands into; empty: not checked (a caller that knows no protocol). */
    private final Set<String> knownKinds;

    BodyParser(Problems problems, Set<String> knownKinds) {
        this.problems = problems;
        this.knownKinds = knownKinds;
    }

    /** A parsed action body. */
    record Body(Action action, Condition condition, Optional<CelRuntime.Program> program) {
    }

    Optional<Body> parse(String action, RuleSource node) {
        if (!node.isMap()) {
            problems.add(node, "the body of '" + action + "' must be a map (use {} to match every command)");
            return Optional.empty();
        }
        if ("mask".equals(action)) { // interpreted by the masking engine; kept raw here
            @SuppressWarnings("unchecked")
            Map<String, Object> body = (Map<String, Object>) Problems.plain(node);
            return Optional.of(new Body(new Action.Mask(body), Condition.ANY, Optional.empty()));
        }
        boolean hold = "require-approval".equals(action);
        Set<String> allowed = new LinkedHashSet<>(CONDITION_KEYS);
        if (hold) {
            allowed.addAll(HOLD_KEYS);
        }
        Map<String, RuleSource> e = node.entries();
        e.forEach((key, value) -> {
            if (!hold && HOLD_KEYS.contains(key)) {
                problems.add(value, "'" + key + "' is only valid under require-approval");
            }
        });
        Set<String> unknown = new LinkedHashSet<>(allowed);
        unknown.addAll(HOLD_KEYS);
        problems.unknownKeys(node, unknown, "the body of '" + action + "'");

        Set<String> kinds = Optional.ofNullable(e.get("kinds")).flatMap(this::kinds).orElse(Set.of());
        List<String> tables = optionalStrings(e.get("tables"));
        List<String> functions = optionalStrings(e.get("functions"));
        Optional<String> reason = Optional.ofNullable(e.get("reason")).flatMap(problems::text);
        Optional<String> when = Optional.ofNullable(e.get("when")).flatMap(problems::text);
        Optional<CelRuntime.Program> program = when.flatMap(w -> compile(e.get("when"), w));
        Map<String, List<String>> objects = new java.util.LinkedHashMap<>();
        for (String key : Command.OBJECT_KEYS) {
            if (!key.equals(Command.TABLES) && !key.equals(Command.FUNCTIONS) && e.containsKey(key)) {
                objects.put(key, optionalStrings(e.get(key)));
            }
        }
        Condition condition = new Condition(kinds, tables, functions, objects, when, reason);
        Action result = switch (action) {
            case "allow" -> new Action.Allow();
            case "deny" -> new Action.Deny();
            default -> approval(node, e);
        };
        return Optional.of(new Body(result, condition, program));
    }

    private Action approval(RuleSource node, Map<String, RuleSource> e) {
        Set<String> approvers = Optional.ofNullable(e.get("approvers"))
                .flatMap(n -> problems.strings(n, false)).<Set<String>>map(LinkedHashSet::new).orElse(Set.of());
        if (!e.containsKey("approvers")) {
            problems.add(node, "require-approval needs 'approvers' (groups, or subject:ISSUER#SUBJECT, who may "
                    + "approve)");
        }
        for (String approver : approvers) {
            try {
                dev.sluice.core.identity.Approver.parse(approver); // groups and subjects are told apart
            } catch (IllegalArgumentException invalid) {
                problems.add(e.get("approvers"), invalid.getMessage());
            }
        }
        int required = Optional.ofNullable(e.get("approvals-required")).flatMap(this::approvals).orElse(1);
        Duration expires = Optional.ofNullable(e.get("expires")).flatMap(this::duration).orElse(DEFAULT_EXPIRES);
        Action.Scope scope = Optional.ofNullable(e.get("scope")).flatMap(this::scope).orElse(Action.Scope.ONCE);
        Action.Respond respond = Optional.ofNullable(e.get("respond")).flatMap(this::respond)
                .orElse(Action.Respond.WAIT);
        return new Action.RequireApproval(approvers, required, expires, scope, respond);
    }

    private List<String> optionalStrings(RuleSource node) {
        return node == null ? List.of() : problems.strings(node, true).orElse(List.of());
    }

    private Optional<Set<String>> kinds(RuleSource node) {
        return problems.strings(node, false).map(values -> {
            Set<String> result = new LinkedHashSet<>();
            for (String value : values) {
                String kind = value.toUpperCase(Locale.ROOT);
                if (!KIND.matcher(kind).matches()) {
                    problems.add(node, "'" + value + "' is not a command kind (e.g. SELECT, DELETE, UNKNOWN, OPAQUE)");
                } else if (!knownKinds.isEmpty() && !knownKinds.contains(kind) && !kind.equals(Command.UNKNOWN)
                        && !kind.equals(Condition.OPAQUE)) {
                    // a misspelt kind would silently match nothing: a deny rule that never denies
                    problems.add(node, "unknown command kind '" + value + "' (known: "
                            + String.join(", ", new java.util.TreeSet<>(knownKinds)) + ", UNKNOWN, OPAQUE)");
                } else {
                    result.add(kind);
                }
            }
            return result;
        });
    }

    private Optional<CelRuntime.Program> compile(RuleSource node, String expression) {
        try {
            return Optional.of(CelSupport.compile(expression));
        } catch (CelSupport.CompileError e) {
            problems.add(node, "invalid CEL condition: " + e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<Integer> approvals(RuleSource node) {
        Optional<String> text = problems.text(node);
        try {
            int value = Integer.parseInt(text.orElse("x"));
            if (value >= 1 && value <= MAX_APPROVALS) {
                return Optional.of(value);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        if (text.isPresent()) {
            problems.add(node, "approvals-required must be a whole number from 1 to " + MAX_APPROVALS);
        }
        return Optional.empty();
    }

    /** {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 2d}, {@code 500ms}, or ISO-8601 such as {@code PT5M}. */
    static Optional<Duration> parseDuration(String text) {
        try {
            if (text.startsWith("P") || text.startsWith("p")) {
                return Optional.of(Duration.parse(text));
            }
            Matcher m = DURATION_PART.matcher(text);
            Duration result = Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end) {
                long n = Long.parseLong(m.group(1));
                result = result.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
                end = m.end();
            }
            return end == text.length() && end > 0 ? Optional.of(result) : Optional.empty();
        } catch (DateTimeParseException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    private Optional<Duration> duration(RuleSource node) {
        Optional<Duration> result = problems.text(node).flatMap(BodyParser::parseDuration)
                .filter(d -> !d.isNegative() && !d.isZero());
        if (result.isEmpty() && node.isScalar() && !node.text().isBlank()) {
            problems.add(node, "expires must be a positive duration such as 30s, 5m, 1h30m or PT5M");
        }
        return result;
    }

    private Optional<Action.Scope> scope(RuleSource node) {
        Optional<String> text = problems.text(node);
        for (Action.Scope scope : Action.Scope.values()) {
            if (text.isPresent() && scope.label().equals(text.get())) {
                return Optional.of(scope);
            }
        }
        text.ifPresent(t -> problems.add(node, "scope must be once, session or duration (was: " + t + ")"));
        return Optional.empty();
    }

    private Optional<Action.Respond> respond(RuleSource node) {
        Optional<String> text = problems.text(node);
        for (Action.Respond respond : Action.Respond.values()) {
            if (text.isPresent() && respond.label().equals(text.get())) {
                return Optional.of(respond);
            }
        }
        text.ifPresent(t -> problems.add(node, "respond must be wait or accepted (was: " + t + ")"));
        return Optional.empty();
    }
}
