package dev.sluice.core.masking;

/** ASCII character classes and search helpers shared by the built-in detectors. */
final class Chars {
    private Chars() {
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isAlnum(char c) {
        return isDigit(c) || isAlpha(c);
    }

    /** Letters, digits and underscore: characters that glue a match to a neighbouring word. */
    static boolean isWord(char c) {
        return isAlnum(c) || c == '_';
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static boolean isBase64Url(char c) {
        return isAlnum(c) || c == '-' || c == '_';
    }

    /** True when {@code text[from, from+count)} are all ASCII digits. */
    static boolean digits(CharSequence text, int from, int count) {
        if (from < 0 || from + count > text.length()) {
            return false;
        }
        for (int i = from; i < from + count; i++) {
            if (!isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when a number-like match may start at {@code start}: the previous character is not a word character,
     * nor a '.' or '-' that follows a digit (which would make the match part of a longer dotted or dashed number).
     */
    static boolean leftClear(CharSequence text, int start) {
        if (start == 0) {
            return true;
        }
        char c = text.charAt(start - 1);
        if (isWord(c)) {
            return false;
        }
        return !((c == '.' || c == '-') && start >= 2 && isDigit(text.charAt(start - 2)));
    }

    /** Mirror of {@link #leftClear}: may a number-like match end at {@code end}. */
    static boolean rightClear(CharSequence text, int end) {
        int n = text.length();
        if (end == n) {
            return true;
        }
        char c = text.charAt(end);
        if (isWord(c)) {
            return false;
        }
        return !((c == '.' || c == '-') && end + 1 < n && isDigit(text.charAt(end + 1)));
    }

    static int indexOf(CharSequence text, char c, int from) {
        if (text instanceof String s) {
            return s.indexOf(c, from);
        }
        for (int i = Math.max(from, 0); i < text.length(); i++) {
            if (text.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    static int indexOf(CharSequence text, String needle, int from) {
        if (text instanceof String s) {
            return s.indexOf(needle, from);
        }
        int last = text.length() - needle.length();
        for (int i = Math.max(from, 0); i <= last; i++) {
            if (regionMatches(text, i, needle)) {
                return i;
            }
        }
        return -1;
    }

    static boolean regionMatches(CharSequence text, int at, String literal) {
        if (at < 0 || at + literal.length() > text.length()) {
            return false;
        }
        for (int i = 0; i < literal.length(); i++) {
            if (text.charAt(at + i) != literal.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Character at {@code i}, or {@code '\0'} when {@code i} is outside the text. */
    static char at(CharSequence text, int i) {
        return i >= 0 && i < text.length() ? text.charAt(i) : '\0';
    }
}
