package dev.sluice.core.approval;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of a statement, what a {@code session} or {@code duration} approval covers: its text with comments
 * dropped, whitespace collapsed, unquoted words lower-cased, and every literal (string, dollar-quoted, number)
 * replaced by {@code ?}. {@code DELETE FROM t WHERE id = 1} and {@code delete from t where id=2} share a shape;
 * {@code DELETE FROM t} does not. Pure.
 */
public final class StatementShape {
    /**
     * A longer shape is kept as its head and the SHA-256 of the whole: a shape is a key, not a copy, but two
     * statements that differ only after the head must not share it (an approval of one would cover the other).
     */
    static final int MAX_SHAPE = 4096;
    static final int MAX_JUSTIFICATION = 500;
    private static final Pattern JUSTIFICATION = Pattern.compile("/\\*\\s*justification\\s*:\\s*(.*?)\\s*\\*/",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)?\\$");

    private StatementShape() {
    }

    public static String of(String sql) {
        StringBuilder result = new StringBuilder();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                i = skipTo(sql, i, "\n");
                space(result);
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipTo(sql, i + 2, "*/");
                space(result);
            } else if (c == '\'') {
                i = endOfQuoted(sql, i + 1, '\'');
                result.append('?');
            } else if (c == '"') {
                int end = endOfQuoted(sql, i + 1, '"');
                result.append(sql, i, end);
                i = end;
            } else if (c == '$' && dollarTag(sql, i).isPresent()) {
                String tag = dollarTag(sql, i).get();
                int close = sql.indexOf(tag, i + tag.length());
                i = close < 0 ? n : close + tag.length();
                result.append('?');
            } else if (Character.isDigit(c) && !wordBefore(result)) {
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.')) {
                    i++;
                }
                result.append('?');
            } else if (Character.isWhitespace(c)) {
                space(result);
                i++;
            } else {
                result.append(Character.toLowerCase(c));
                i++;
            }
        }
        String shape = result.toString().strip().replaceAll(" ?([(),;=<>]) ?", "$1");
        if (shape.length() <= MAX_SHAPE) {
            return shape;
        }
        try {
            return shape.substring(0, MAX_SHAPE) + "…sha256:" + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(shape.getBytes(
                            java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }

    /** The text of a {@code /* justification: ... *}{@code /} comment, at most 500 characters. */
    public static Optional<String> justification(String sql) {
        Matcher m = JUSTIFICATION.matcher(sql);
        if (!m.find() || m.group(1).isBlank()) {
            return Optional.empty();
        }
        String text = m.group(1).strip();
        return Optional.of(text.length() > MAX_JUSTIFICATION ? text.substring(0, MAX_JUSTIFICATION) : text);
    }

    private static boolean wordBefore(StringBuilder shape) {
        if (shape.isEmpty()) {
            return false;
        }
        char last = shape.charAt(shape.length() - 1);
        return Character.isLetterOrDigit(last) || last == '_' || last == '$';
    }

    private static Optional<String> dollarTag(String sql, int at) {
        Matcher m = DOLLAR_TAG.matcher(sql).region(at, sql.length());
        return m.lookingAt() ? Optional.of(m.group()) : Optional.empty();
    }

    private static int skipTo(String sql, int from, String end) {
        int at = sql.indexOf(end, from);
        return at < 0 ? sql.length() : at + end.length();
    }

    private static int endOfQuoted(String sql, int from, char quote) {
        int i = from;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }

    private static void space(StringBuilder shape) {
        if (!shape.isEmpty() && shape.charAt(shape.length() - 1) != ' ') {
            shape.append(' ');
        }
    }
}
