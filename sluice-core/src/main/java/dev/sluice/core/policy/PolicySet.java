package dev.sluice.core.policy;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.config.ConfigException;

/**
 * An immutable, validated set of per-command rules. Evaluation is pure (no I/O, no clock, no shared mutable state)
 * and safe from any number of threads. The rule format and the evaluation order are specified in docs/policy.md.
 */
public final class PolicySet {
    private static final PolicySet EMPTY = new PolicySet(List.of(), Vocabulary.empty());

    private final List<CompiledRule> rules;
    private final Vocabulary vocabulary;

    private PolicySet(List<CompiledRule> rules, Vocabulary vocabulary) {
        this.rules = List.copyOf(rules);
        this.vocabulary = vocabulary;
    }

    /**
     * Parses rule lists: the {@code policies:} list of the main config and the list of each policy file, in that
     * order. Rule names are unique across all of them.
     *
     * @throws ConfigException with every problem found, each located at FILE:LINE with its key path
     */
    public static PolicySet parse(List<RuleSource> ruleLists) {
        return parse(ruleLists, Vocabulary.empty());
    }

    /** As {@link #parse(List)}, with the functions that {@code functions: [dangerous]} stands for (any protocol). */
    public static PolicySet parse(List<RuleSource> ruleLists, Set<String> dangerousFunctions) {
        return parse(ruleLists, new Vocabulary(Set.of(), Map.of(Vocabulary.ANY_PROTOCOL,
                Map.of(Command.FUNCTIONS, dangerousFunctions))));
    }

    /**
     * As {@link #parse(List)}, with the configured protocols' {@link Vocabulary}: any {@code kinds:} entry that is
     * not one of its kinds, {@code UNKNOWN} or {@code OPAQUE} is refused (a misspelt kind would make a deny rule
     * that never denies; an empty kind set checks only the spelling), and {@code dangerous} in a rule key stands for
     * the protocol's catalogue.
     */
    public static PolicySet parse(List<RuleSource> ruleLists, Vocabulary vocabulary) {
        return new PolicySet(new RuleParser(vocabulary.kinds()).parse(ruleLists), vocabulary);
    }

    public static PolicySet empty() {
        return EMPTY;
    }

    public List<Rule> rules() {
        return rules.stream().map(CompiledRule::rule).toList();
    }

    public Optional<Rule> rule(String name) {
        return rules.stream().map(CompiledRule::rule).filter(r -> r.name().equals(name)).findFirst();
    }

    /** Judges one command. Never throws: a condition that fails to evaluate fails closed. */
    public Decision evaluate(PolicyInput input) {
        Objects.requireNonNull(input, "input");
        return Evaluation.run(rules, vocabulary, input);
    }

    /**
     * Judges every statement of a multi-statement string; the strictest verdict wins (deny, then hold, then allow)
     * and the matches of every statement are kept, prefixed {@code statement N:}. An empty list judges
     * {@code base.command()}.
     */
    public Decision evaluateAll(PolicyInput base, List<? extends Command> commands) {
        if (commands.isEmpty()) {
            return evaluate(base);
        }
        return Evaluation.strictest(commands.stream().map(c -> evaluate(base.withCommand(c))).toList());
    }

    /**
     * The combined approval terms of every require-approval rule that matched: the union of approvers, the most
     * approvals required, the shortest expiry and the narrowest scope (once, then duration, then session); they
     * answer {@code accepted} only when every one says so.
     * Empty when no require-approval rule matched.
     */
    public Optional<Action.RequireApproval> approvalTerms(Decision decision) {
        List<Action.RequireApproval> holds = decision.matches().stream()
                .flatMap(m -> rule(m.rule()).stream())
                .map(Rule::action)
                .filter(Action.RequireApproval.class::isInstance)
                .map(Action.RequireApproval.class::cast)
                .toList();
        if (holds.isEmpty()) {
            return Optional.empty();
        }
        Set<String> approvers = new LinkedHashSet<>();
        holds.forEach(h -> approvers.addAll(h.approvers()));
        int required = holds.stream().mapToInt(Action.RequireApproval::approvalsRequired).max().orElse(1);
        Duration expires = holds.stream().map(Action.RequireApproval::expires).min(Comparator.naturalOrder())
                .orElseThrow();
        Action.Scope scope = holds.stream().map(Action.RequireApproval::scope)
                .min(Comparator.comparingInt(PolicySet::breadth)).orElseThrow();
        // accepted only when every matching rule says so: a rule that wants its caller to wait is kept
        Action.Respond respond = holds.stream().allMatch(h -> h.respond() == Action.Respond.ACCEPTED)
                ? Action.Respond.ACCEPTED : Action.Respond.WAIT;
        return Optional.of(new Action.RequireApproval(approvers, required, expires, scope, respond));
    }

    private static int breadth(Action.Scope scope) {
        return switch (scope) {
            case ONCE -> 0;
            case DURATION -> 1;
            case SESSION -> 2;
        };
    }

    @Override
    public String toString() {
        return "PolicySet[" + rules.size() + " rules]";
    }
}
