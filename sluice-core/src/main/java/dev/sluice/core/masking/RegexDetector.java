package dev.sluice.core.masking;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A custom detector from a {@link java.util.regex} pattern. Patterns that can match the empty string are
 * refused. Java regular expressions backtrack, so each {@link #find} runs under a step budget proportional to
 * the text length; a text that exhausts it is treated as entirely sensitive (fail closed): the whole value is
 * reported as one span. Unlike the built-ins, this detector allocates a matcher per call.
 */
final class RegexDetector implements Detector {
    static final int MAX_PATTERN_LENGTH = 1000;
    private static final long BASE_BUDGET = 100_000;
    private static final long BUDGET_PER_CHAR = 1_000;
    private static final List<String> EMPTY_PROBES = List.of("", "a", "A", "0", " ", "-", ".", "@", "_", "\n",
            "ab", "a b", "0 1", "a-b", "a.b", "x@y.z", "\u00e9");

    private final String name;
    private final Pattern pattern;

    private RegexDetector(String name, Pattern pattern) {
        this.name = name;
        this.pattern = pattern;
    }

    static RegexDetector compile(String name, String regex) {
        if (regex.length() > MAX_PATTERN_LENGTH) {
            throw new MaskingConfigException("detector '" + name + "': pattern longer than "
                    + MAX_PATTERN_LENGTH + " characters");
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new MaskingConfigException("detector '" + name + "': invalid pattern: " + e.getDescription()
                    + " near index " + e.getIndex());
        }
        for (String probe : EMPTY_PROBES) {
            Matcher m = pattern.matcher(probe);
            while (m.find()) {
                if (m.end() == m.start()) {
                    throw new MaskingConfigException("detector '" + name
                            + "': pattern can match the empty string; it must match at least one character");
                }
            }
        }
        return new RegexDetector(name, pattern);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        BudgetedText budgeted = new BudgetedText(text, BASE_BUDGET + BUDGET_PER_CHAR * text.length());
        Matcher m = pattern.matcher(budgeted);
        try {
            while (m.find()) {
                if (m.end() > m.start()) {
                    out.accept(m.start(), m.end());
                }
            }
        } catch (BudgetedText.BudgetExceededException e) {
            out.accept(0, text.length()); // fail closed: mask the value we could not finish scanning
        }
    }

    @Override
    public String toString() {
        return "RegexDetector[" + name + "]";
    }
}
