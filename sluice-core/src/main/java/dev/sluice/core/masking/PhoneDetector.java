package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isDigit;

/**
 * Telephone numbers in two shapes.
 *
 * <ul>
 *   <li>International (E.164): '+', a non-zero digit, then 8-15 digits in all, with single separators
 *       (space, '-', '.', parentheses) between digits: {@code +44 20 7946 0958}, {@code +1 (415) 555-2671}.
 *       The '+' must not follow a word character ({@code 1+2345678901} is arithmetic).</li>
 *   <li>North American (NANP): {@code (NXX) NXX-XXXX}, {@code (NXX)NXX-XXXX}, {@code (NXX) NXX XXXX},
 *       {@code NXX-NXX-XXXX},
 *       {@code NXX.NXX.XXXX}, N = 2-9, optionally preceded by {@code 1-} or {@code 1.}.</li>
 * </ul>
 *
 * Plain digit runs, {@code NXX NXX XXXX} without parentheses or '+', dates ({@code 2024-01-15}) and UUIDs do not
 * match. Prefilter: the text must contain '+', '(', '-' or '.'.
 */
final class PhoneDetector implements Detector, Prefiltered {
    private static final int E164_MIN = 8;
    private static final int E164_MAX = 15;

    @Override
    public String name() {
        return "phone";
    }

    /** Every shape starts at a '+' or '(' or has '-' or '.' separators, and has at least E164_MIN digits. */
    @Override
    public boolean mayMatch(int profile) {
        return (profile & (ByteProfile.PLUS | ByteProfile.PAREN | ByteProfile.DASH | ByteProfile.DOT)) != 0
                && ByteProfile.digits(profile) >= E164_MIN;
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        for (int p = Chars.indexOf(text, '+', 0); p >= 0; p = Chars.indexOf(text, '+', p + 1)) {
            e164(text, p, out);
        }
        for (int p = Chars.indexOf(text, '(', 0); p >= 0; p = Chars.indexOf(text, '(', p + 1)) {
            parenthesised(text, p, out);
        }
        dashed(text, '-', out);
        dashed(text, '.', out);
    }

    private static void e164(CharSequence text, int plus, SpanConsumer out) {
        if (plus > 0 && Chars.isWord(text.charAt(plus - 1))) {
            return;
        }
        int n = text.length();
        int i = plus + 1;
        if (i >= n || !isDigit(text.charAt(i)) || text.charAt(i) == '0') {
            return;
        }
        int digits = 0;
        int end = i;
        int separators = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                if (++digits > E164_MAX) {
                    return;
                }
                separators = 0;
                end = ++i;
            } else if ((c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') && ++separators <= 2) {
                i++;
            } else {
                break;
            }
        }
        if (digits >= E164_MIN && Chars.rightClear(text, end)) {
            out.accept(plus, end);
        }
    }

    /** {@code (NXX) NXX-XXXX} or {@code (NXX)NXX-XXXX}, also with '.' or ' ' before the last four digits. */
    private static void parenthesised(CharSequence text, int open, SpanConsumer out) {
        if (!n(text, open + 1) || !Chars.digits(text, open + 2, 2) || Chars.at(text, open + 4) != ')') {
            return;
        }
        int p = open + 5;
        if (Chars.at(text, p) == ' ') {
            p++;
        }
        char sep = Chars.at(text, p + 3);
        if (!n(text, p) || !Chars.digits(text, p + 1, 2) || (sep != '-' && sep != '.' && sep != ' ')
                || !Chars.digits(text, p + 4, 4)) {
            return;
        }
        int end = p + 8;
        if (Chars.rightClear(text, end) && (open == 0 || !Chars.isWord(text.charAt(open - 1)))) {
            out.accept(open, end);
        }
    }

    /** {@code NXX-NXX-XXXX} (or with '.'), found from its first separator. */
    private static void dashed(CharSequence text, char sep, SpanConsumer out) {
        int p = Chars.indexOf(text, sep, 3);
        while (p >= 0) {
            int s = p - 3;
            if (n(text, s) && Chars.digits(text, s + 1, 2) && n(text, p + 1) && Chars.digits(text, p + 2, 2)
                    && Chars.at(text, p + 4) == sep && Chars.digits(text, p + 5, 4)) {
                int end = p + 9;
                int start = leadingOne(text, s, sep);
                if (start >= 0 && Chars.rightClear(text, end)) {
                    out.accept(start, end);
                    p = Chars.indexOf(text, sep, end);
                    continue;
                }
            }
            p = Chars.indexOf(text, sep, p + 1);
        }
    }

    /** The start of the match: {@code s}, or {@code s - 2} with a "1-" trunk prefix, or -1 if not clear. */
    private static int leadingOne(CharSequence text, int s, char sep) {
        if (Chars.leftClear(text, s)) {
            return s;
        }
        if (s >= 2 && text.charAt(s - 1) == sep && text.charAt(s - 2) == '1' && Chars.leftClear(text, s - 2)) {
            return s - 2;
        }
        return -1;
    }

    private static boolean n(CharSequence text, int i) {
        char c = Chars.at(text, i);
        return c >= '2' && c <= '9';
    }
}
