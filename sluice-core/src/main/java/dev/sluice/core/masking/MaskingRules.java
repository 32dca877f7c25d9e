package dev.sluice.core.masking;

import java.util.List;
import java.util.Set;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;

/**
 * Every masking rule of one configuration generation, in config order. Immutable and shared by all sessions; each
 * session asks for its {@link #plan} (the rules that apply to its connection and caller). Part of the live
 * {@link dev.sluice.core.access.GatewayState}, so a reload applies new rules to the next result of every session.
 */
public final class MaskingRules {
    private static final MaskingRules NONE = new MaskingRules(List.of());

    private final List<MaskingRule> rules;

    public MaskingRules(List<MaskingRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** No masking at all. */
    public static MaskingRules none() {
        return NONE;
    }

    /**
     * Parses the config's {@code masking} list (see {@code docs/masking.md}).
     *
     * @param keys    where the {@code hash} strategy's key comes from when a rule gives no {@code hash-key}; asked
     *                only when some rule uses {@code hash}
     * @param secrets resolves a rule's {@code hash-key} ({@code ${env:...}}, {@code ${file:...}})
     * @throws ConfigException with every problem, each at its file and line
     */
    public static MaskingRules parse(ConfigNode masking, MaskingKeys keys, SecretResolver secrets) {
        return new MaskingRuleParser(keys, secrets).parse(masking);
    }

    public List<MaskingRule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** The rules that mask a session of a caller in {@code groups} on {@code connection}. */
    public MaskingPlan plan(String connection, Set<String> groups) {
        return new MaskingPlan(rules.stream().filter(r -> r.appliesTo(connection, groups)).toList());
    }

    @Override
    public String toString() {
        return "MaskingRules" + rules.stream().map(MaskingRule::name).toList();
    }
}
