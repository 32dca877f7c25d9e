package dev.sluice.core.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** One pass over the rules for one command: collect matches, then rank them. See docs/policy.md. */
final class Evaluation {
    private Evaluation() {
    }

    static Decision run(List<CompiledRule> rules, Vocabulary vocabulary, PolicyInput input) {
        Command command = input.command();
        Supplier<Map<String, Object>> activation = new Supplier<>() {
            private Map<String, Object> built;

            @Override
            public Map<String, Object> get() { // built at most once, and only if a `when` is reached
                if (built == null) {
                    built = CelSupport.activation(input);
                }
                return built;
            }
        };
        List<RuleMatch> matches = new ArrayList<>();
        CompiledRule deny = null;
        CompiledRule hold = null;
        CompiledRule allow = null;
        CompiledRule couldApply = null;
        boolean explicitlyAccepted = false;
        Set<String> approvers = new LinkedHashSet<>();
        for (CompiledRule rule : rules) {
            if (!rule.selects(input)) {
                continue;
            }
            Optional<String> detail = rule.match(input, vocabulary, activation);
            if (detail.isEmpty()) {
                if (rule.restrictive() && couldApply == null) {
                    couldApply = rule;
                }
                continue;
            }
            matches.add(new RuleMatch(rule.rule().name(), rule.rule().action().key(), detail.get()));
            switch (rule.rule().action()) {
                // the first deny that names the primary kind, else the first deny (it matched a secondary kind)
                case Action.Deny d -> deny = deny == null || (!deny.namesPrimaryKind(command)
                        && rule.namesPrimaryKind(command)) ? rule : deny;
                case Action.RequireApproval h -> {
                    hold = hold == null ? rule : hold;
                    approvers.addAll(h.approvers());
                    explicitlyAccepted |= rule.listsKind();
                }
                case Action.Allow a -> {
                    allow = allow == null ? rule : allow;
                    explicitlyAccepted |= rule.listsKind();
                }
                case Action.Mask m -> { } // masking never changes the verdict
            }
        }
        return new Decision(verdict(input, deny, hold, allow, couldApply, explicitlyAccepted, approvers), matches);
    }

    private static Verdict verdict(PolicyInput input, CompiledRule deny, CompiledRule hold, CompiledRule allow,
                                   CompiledRule couldApply, boolean explicitlyAccepted, Set<String> approvers) {
        Command command = input.command();
        if (deny != null) {
            return new Verdict.Deny(deny.rule().name(), reason(deny, "rule '" + deny.rule().name() + "' denies "
                    + command.kind()));
        }
        // Fail closed: a statement we cannot see into could be exactly what a restrictive rule is about.
        if ((command.unknown() || command.opaque()) && couldApply != null && !explicitlyAccepted) {
            String what = command.unknown() ? "statement could not be classified"
                    : "statement runs opaque code (" + command.kind() + ") whose effect cannot be known";
            return new Verdict.Deny(couldApply.rule().name(), what + "; refused because rule '"
                    + couldApply.rule().name() + "' could apply");
        }
        if (hold != null) {
            return new Verdict.Hold(hold.rule().name(), reason(hold, "rule '" + hold.rule().name()
                    + "' requires approval for " + command.kind()), approvers);
        }
        boolean denyByDefault = !PolicyInput.ALLOW.equals(input.connectionDefault());
        boolean hidden = command.unknown() || command.opaque();
        if (allow != null && hidden && denyByDefault && !explicitlyAccepted) {
            // Fail closed: on an allow-list connection the default is the restriction that could apply; a rule
            // that allows without naming the kind (commands globs only) cannot have meant code it cannot see.
            return new Verdict.Deny(allow.rule().name(), (command.unknown() ? "statement could not be classified"
                    : "statement runs opaque code (" + command.kind() + ") whose effect cannot be known")
                    + "; rule '" + allow.rule().name() + "' does not list its kind and connection '"
                    + input.connection() + "' denies by default");
        }
        if (allow != null) {
            return new Verdict.Allow(allow.rule().name());
        }
        if (!denyByDefault) {
            return new Verdict.Allow("");
        }
        return new Verdict.Deny("", "no rule allows " + (command.opaque() ? "opaque " : "") + command.kind()
                + " and connection '" + input.connection() + "' denies by default");
    }

    private static String reason(CompiledRule rule, String fallback) {
        return rule.rule().condition().reason().orElse(fallback);
    }

    /** Strictest verdict over the statements of one string: deny over hold over allow, the first on a tie. */
    static Decision strictest(List<Decision> decisions) {
        Decision first = decisions.getFirst();
        Verdict result = first.verdict();
        Set<String> approvers = new LinkedHashSet<>();
        List<RuleMatch> matches = new ArrayList<>();
        for (int i = 0; i < decisions.size(); i++) {
            Decision d = decisions.get(i);
            if (d.verdict().severity() > result.severity()) {
                result = d.verdict();
            }
            if (d.verdict() instanceof Verdict.Hold h) {
                approvers.addAll(h.approvers());
            }
            String prefix = decisions.size() > 1 ? "statement " + (i + 1) + ": " : "";
            d.matches().forEach(m -> matches.add(new RuleMatch(m.rule(), m.action(), prefix + m.detail())));
        }
        if (result instanceof Verdict.Hold h) {
            result = new Verdict.Hold(h.rule(), h.reason(), approvers);
        }
        return new Decision(result, matches);
    }
}
