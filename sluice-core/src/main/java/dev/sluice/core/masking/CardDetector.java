package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isDigit;

/**
 * Payment card numbers (PAN): 13-19 digits, optionally in groups separated by single spaces or single dashes
 * (one kind of separator per number), Luhn-valid, with a known issuer prefix and a length that issuer uses.
 * A match never takes part of a digit group, so a long plain digit run (an order number) never matches, and a
 * number glued to a letter, or continuing as a decimal ({@code 0.4111...}), does not either.
 *
 * <pre>
 *   Visa 4 (13, 16, 19)   Mastercard 51-55, 2221-2720 (16)   Amex 34, 37 (15)
 *   Discover 6011, 644-649, 65 (16-19)   JCB 3528-3589 (16-19)   Diners 36, 38, 300-305 (14-19)
 * </pre>
 */
final class CardDetector implements Detector, Prefiltered {
    private static final int MIN = 13;
    private static final int MAX = 19;

    @Override
    public String name() {
        return "card";
    }

    @Override
    public boolean mayMatch(int profile) {
        return ByteProfile.digits(profile) >= MIN; // find() needs MIN ASCII digits (hasDigits)
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        int n = text.length();
        if (n < MIN || !hasDigits(text, MIN)) {
            return;
        }
        int i = 0;
        while (i < n) {
            if (!isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            i = scanFrom(text, i, out);
        }
    }

    /** Tries a card starting at the digit group at {@code g}; returns where scanning resumes. */
    private static int scanFrom(CharSequence text, int g, SpanConsumer out) {
        int n = text.length();
        char sep = 0;
        int digitCount = 0;
        int best = -1;
        int firstGroupEnd = -1;
        int p = g;
        while (true) {
            int groupStart = p;
            while (p < n && isDigit(text.charAt(p))) {
                p++;
            }
            if (firstGroupEnd < 0) {
                firstGroupEnd = p;
            }
            digitCount += p - groupStart;
            if (digitCount > MAX) {
                break;
            }
            if (digitCount >= MIN && endClear(text, p) && valid(text, g, p, digitCount)) {
                best = p;
            }
            char c = Chars.at(text, p);
            if ((c == ' ' || c == '-') && (sep == 0 || sep == c) && isDigit(Chars.at(text, p + 1))) {
                sep = c;
                p++;
            } else {
                break;
            }
        }
        if (best > 0 && startClear(text, g)) {
            out.accept(g, best);
            return best;
        }
        // resume at the next group (if the first group is followed by a separator) or after the run
        return firstGroupEnd;
    }

    private static boolean startClear(CharSequence text, int g) {
        char prev = Chars.at(text, g - 1);
        if ((prev == ' ' || prev == '-') && isDigit(Chars.at(text, g - 2))) {
            return true;
        }
        return Chars.leftClear(text, g);
    }

    private static boolean endClear(CharSequence text, int e) {
        char next = Chars.at(text, e);
        if ((next == ' ' || next == '-') && isDigit(Chars.at(text, e + 1))) {
            return true;
        }
        return Chars.rightClear(text, e);
    }

    private static boolean valid(CharSequence text, int from, int to, int length) {
        int prefix = 0;
        int seen = 0;
        for (int i = from; i < to && seen < 6; i++) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                prefix = prefix * 10 + (c - '0');
                seen++;
            }
        }
        return issuerAccepts(prefix, length) && luhn(text, from, to);
    }

    /** {@code iin6} is the first six digits of the number. */
    static boolean issuerAccepts(int iin6, int length) {
        int d1 = iin6 / 100_000;
        int d2 = iin6 / 10_000;
        int d3 = iin6 / 1_000;
        int d4 = iin6 / 100;
        if (d1 == 4) {
            return length == 13 || length == 16 || length == 19;
        }
        if ((d2 >= 51 && d2 <= 55) || (d4 >= 2221 && d4 <= 2720)) {
            return length == 16;
        }
        if (d2 == 34 || d2 == 37) {
            return length == 15;
        }
        if (d4 == 6011 || d2 == 65 || (d3 >= 644 && d3 <= 649) || (d4 >= 3528 && d4 <= 3589)) {
            return length >= 16;
        }
        if (d2 == 36 || d2 == 38 || (d3 >= 300 && d3 <= 305)) {
            return length >= 14;
        }
        return false;
    }

    static boolean luhn(CharSequence text, int from, int to) {
        int sum = 0;
        boolean twice = false;
        for (int i = to - 1; i >= from; i--) {
            char c = text.charAt(i);
            if (!isDigit(c)) {
                continue;
            }
            int d = c - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    private static boolean hasDigits(CharSequence text, int wanted) {
        int count = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            if (isDigit(text.charAt(i)) && ++count >= wanted) {
                return true;
            }
        }
        return false;
    }
}
