package dev.sluice.core.masking;

import java.nio.charset.Charset;
import java.util.List;
import java.util.Optional;

/**
 * The masking rules that apply to one session (its connection and caller), ready to use on values. Immutable and
 * shareable; counts go to the caller's thread-confined {@link MaskTally}.
 *
 * <p>A column that a rule's {@code columns} select is replaced whole by the first such rule (config order, then
 * selector order); every other text value goes through the detectors of every rule, rule after rule.
 */
public final class MaskingPlan {
    private static final MaskingPlan EMPTY = new MaskingPlan(List.of());

    private final MaskingRule[] rules;
    /** Each rule's detectors, null for a rule without any: looked up once, not per value. */
    private final TextMasker[] maskers;
    private final boolean columnRules;
    private final boolean detectors;

    MaskingPlan(List<MaskingRule> rules) {
        this.rules = rules.toArray(MaskingRule[]::new);
        this.maskers = rules.stream().map(r -> r.hasDetectors() ? r.detectors() : null).toArray(TextMasker[]::new);
        this.columnRules = rules.stream().anyMatch(r -> !r.columns().isEmpty());
        this.detectors = rules.stream().anyMatch(MaskingRule::hasDetectors);
    }

    /** Masks nothing. */
    public static MaskingPlan empty() {
        return EMPTY;
    }

    /** A whole-column replacement decided by rule {@code ruleName}. */
    public record ColumnMask(int rule, String ruleName, String selector, Strategy strategy) {
        /** Whether the value becomes SQL NULL. */
        public boolean nullifies() {
            return strategy instanceof Strategy.Nullify;
        }
    }

    /** True when nothing is ever masked: callers pass results through untouched. */
    public boolean isEmpty() {
        return !columnRules && !detectors;
    }

    public boolean hasColumnRules() {
        return columnRules;
    }

    public boolean hasDetectors() {
        return detectors;
    }

    /** Whether a rule in force refuses masked columns in predicates ({@code refuse-in-predicates}). */
    public boolean refusesPredicates() {
        for (MaskingRule rule : rules) {
            if (rule.refuseInPredicates() && !rule.columns().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The replacement of a value derived from a masked column (computed from it, not the column itself), counted
     * under {@code source}'s rule as {@code derived}: a derived value cannot be partially masked meaningfully
     * ({@code partial} of {@code reverse(card)} would show the first digits), so {@code partial} redacts whole;
     * so does {@code hash}: a keyed token of a value the caller computed is an equality oracle (one statement
     * returns the tokens of {@code substr(email, g, 1)} and of every letter through an expression that names
     * {@code email} but yields a constant; comparing them spells the address). {@code redact(TEXT)} and
     * {@code null} apply as they are. Without a source (a view, the statistics) the value is redacted. For
     * {@link Strategy.Nullify} the caller sends SQL NULL.
     */
    public ColumnMask derivedMask(java.util.Optional<ColumnMask> source) {
        ColumnMask base = source.orElse(null);
        if (base == null) {
            int rule = 0;
            for (int i = 0; i < rules.length; i++) {
                if (!rules[i].columns().isEmpty()) {
                    rule = i;
                    break;
                }
            }
            return new ColumnMask(rule, rules.length == 0 ? "" : rules[rule].name(), "derived", Strategy.redact());
        }
        // fail closed: only strategies whose output does not depend on the value survive derivation
        Strategy strategy = base.strategy() instanceof Strategy.Partial || base.strategy() instanceof Strategy.Hash
                ? Strategy.redact() : base.strategy();
        return new ColumnMask(base.rule(), base.ruleName(), base.selector(), strategy);
    }

    public List<MaskingRule> rules() {
        return List.of(rules);
    }

    /** The whole-column rule for column {@code schema.table.column}, if any ({@code schema} may be empty). */
    public Optional<ColumnMask> column(String schema, String table, String column) {
        for (int i = 0; i < rules.length; i++) {
            for (MaskingRule.ColumnRule c : rules[i].columns()) {
                if (c.pattern().matches(schema, table, column)) {
                    return Optional.of(new ColumnMask(i, rules[i].name(), c.pattern().spec(), c.strategy()));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs every rule's detectors over {@code value}. Returns the same instance when nothing was found, so callers
     * can test {@code result == value} and keep the original bytes.
     */
    public String maskText(String value, MaskTally tally) {
        return maskText(value, tally, false);
    }

    /**
     * {@link #maskText} that keeps the value's UTF-8 byte length, for data addressed by byte offsets (a file read in
     * pieces, a terminal's screen): each detected span is replaced by the strategy's output when that has the same
     * byte length ({@code partial} on ASCII), else each of its letters and digits by {@code *} (one per byte).
     * Returns the same instance when nothing was found.
     */
    public String maskTextSameLength(String value, MaskTally tally) {
        return maskText(value, tally, true);
    }

    private String maskText(String value, MaskTally tally, boolean sameLength) {
        if (!detectors || value.isEmpty()) {
            return value;
        }
        MaskCounter[] counters = tally.bind(this);
        String result = value;
        for (int i = 0; i < maskers.length; i++) {
            if (maskers[i] != null) {
                result = sameLength ? maskers[i].maskSameLength(result, counters[i])
                        : maskers[i].mask(result, counters[i]);
            }
        }
        return result;
    }

    /**
     * {@link #maskText} for a value still encoded as {@code bytes[from, to)} in {@code charset}, which must be
     * ASCII-compatible (UTF-8, LATIN1, SQL_ASCII). Empty when nothing was found, and then nothing was counted: the
     * caller passes the bytes on as they are. One pass over the bytes first tells which detectors could match at
     * all; the value is decoded only for those, and only they run.
     */
    public Optional<String> maskEncoded(byte[] bytes, int from, int to, Charset charset, MaskTally tally) {
        if (!detectors || from >= to) {
            return Optional.empty();
        }
        int profile = ByteProfile.of(bytes, from, to);
        MaskCounter[] counters = null;
        String original = null;
        String result = null;
        for (int i = 0; i < maskers.length; i++) {
            if (maskers[i] == null || !maskers[i].mayMatch(profile)) {
                continue;
            }
            if (result == null) {
                original = new String(bytes, from, to - from, charset);
                result = original;
                counters = tally.bind(this);
            }
            String next = maskers[i].mask(result, counters[i], profile);
            if (next != result) {
                result = next;
                profile = ByteProfile.of(result); // the next rule sees the replacements
            }
        }
        return result == original ? Optional.empty() : Optional.of(result);
    }

    /**
     * The replacement of a whole column value under {@code mask}, counted under the rule as {@code column} (the
     * resolved {@code table.column}). For a {@link Strategy.Nullify} the caller sends SQL NULL instead.
     */
    public String maskColumn(ColumnMask mask, String value, String column, MaskTally tally) {
        tally.bind(this)[mask.rule()].increment(column);
        return mask.strategy().apply(value);
    }

    String ruleName(int index) {
        return rules[index].name();
    }

    int size() {
        return rules.length;
    }

    @Override
    public String toString() {
        return "MaskingPlan" + List.of(rules).stream().map(MaskingRule::name).toList();
    }
}
