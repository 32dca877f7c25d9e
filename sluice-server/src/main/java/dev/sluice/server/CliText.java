package dev.sluice.server;

/**
 * Makes a stored value safe to print on one line of the CLI's text output. Subjects, statements, application
 * names, reasons and errors are chosen by callers (a token's {@code sub} included): printed raw, a newline in one
 * forges a whole line of {@code sluice audit} output, and a terminal escape rewrites the screen.
 *
 * <p>Escaped: a backslash ({@code \\}), {@code \n}, {@code \r}, {@code \t}, every other control character (C0, DEL,
 * C1 including NEL) and every Unicode line or paragraph separator and format character (U+2028, U+2029, the
 * bidirectional overrides, zero-width characters, BOM) as {@code \\uXXXX}. JSON output ({@code --json}) needs none of
 * this: its encoder escapes control characters itself.
 */
final class CliText {
    private CliText() {
    }

    /** {@code value} with every character that could break or disguise a line escaped. */
    static String escape(String value) {
        StringBuilder result = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement = replacement(c);
            if (replacement == null) {
                if (result != null) {
                    result.append(c);
                }
                continue;
            }
            if (result == null) {
                result = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            result.append(replacement);
        }
        return result == null ? value : result.toString();
    }

    /** {@link #escape} of {@code String.valueOf(value)}. */
    static String escape(Object value) {
        return escape(String.valueOf(value));
    }

    private static String replacement(char c) {
        switch (c) {
            case '\\':
                return "\\\\";
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                break;
        }
        int type = Character.getType(c);
        boolean unsafe = c < 0x20 || c >= 0x7f && c <= 0x9f || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT
                || type == Character.CONTROL;
        return unsafe ? String.format("\\u%04x", (int) c) : null;
    }
}
