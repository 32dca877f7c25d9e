package dev.sluice.core.masking;

import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import dev.sluice.core.policy.Glob;

/**
 * Selects result columns by their qualified name, as written in a masking rule's {@code columns}:
 * <ul>
 *   <li>{@code table.column} or {@code schema.table.column}: exact;</li>
 *   <li>a glob with {@code *} (any run of characters, dots included) and {@code ?}: {@code *.email},
 *       {@code customers.*};</li>
 *   <li>{@code /regex/}: a Java regular expression that must match the whole name.</li>
 * </ul>
 * A column is tested as {@code table.column} and as {@code schema.table.column}; it is selected when either
 * matches. Matching ignores case (unquoted SQL identifiers are folded anyway; masking more is the safe side).
 * Names are at most 3 × 63 characters, so even a backtracking regex stays cheap.
 */
public final class ColumnPattern {
    static final int MAX_LENGTH = 300;

    private final String spec;
    private final String glob;
    private final Pattern regex;

    private ColumnPattern(String spec, String glob, Pattern regex) {
        this.spec = spec;
        this.glob = glob;
        this.regex = regex;
    }

    /**
     * @throws MaskingConfigException when the spec is empty, too long, an invalid regex, or a name without a dot
     */
    public static ColumnPattern parse(String spec) {
        String s = spec.strip();
        if (s.isEmpty() || s.length() > MAX_LENGTH) {
            throw new MaskingConfigException("a column selector needs 1-" + MAX_LENGTH + " characters");
        }
        if (s.length() >= 2 && s.startsWith("/") && s.endsWith("/")) {
            try {
                return new ColumnPattern(s, null, Pattern.compile(s.substring(1, s.length() - 1),
                        Pattern.CASE_INSENSITIVE));
            } catch (PatternSyntaxException e) {
                throw new MaskingConfigException("column selector " + s + " is not a valid regex: "
                        + e.getDescription());
            }
        }
        if (s.indexOf('.') < 0) {
            throw new MaskingConfigException("column selector '" + s
                    + "' names no table (expected: table.column, a glob such as *.email, or /regex/)");
        }
        return new ColumnPattern(s, s.toLowerCase(Locale.ROOT), null);
    }

    /** The selector as written. */
    public String spec() {
        return spec;
    }

    /** Whether the column {@code schema.table.column} is selected; {@code schema} may be empty (unknown). */
    public boolean matches(String schema, String table, String column) {
        String name = table + "." + column;
        if (test(name)) {
            return true;
        }
        return !schema.isEmpty() && test(schema + "." + name);
    }

    private boolean test(String name) {
        return regex != null ? regex.matcher(name).matches() : Glob.matches(glob, name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return "ColumnPattern[" + spec + "]";
    }
}
