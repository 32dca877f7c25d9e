package dev.sluice.core.masking;

/**
 * US Social Security numbers written {@code AAA-GG-SSSS}, dashes required: a plain nine-digit number is far
 * more often an id, an amount or a phone fragment than an SSN, so it is not matched. Numbers the SSA never
 * issues are excluded: area 000, 666 and 900-999, group 00, serial 0000. A match must stand alone: not glued
 * to a word and not part of a longer dashed or dotted number.
 */
final class SsnDetector implements Detector, Prefiltered {
    @Override
    public String name() {
        return "ssn";
    }

    /** {@code AAA-GG-SSSS}: dashes and nine digits. */
    @Override
    public boolean mayMatch(int profile) {
        return ByteProfile.has(profile, ByteProfile.DASH) && ByteProfile.digits(profile) >= 9;
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        int dash = Chars.indexOf(text, '-', 3);
        while (dash >= 0) {
            int start = dash - 3;
            if (matches(text, start)) {
                out.accept(start, start + 11);
                dash = Chars.indexOf(text, '-', start + 11);
            } else {
                dash = Chars.indexOf(text, '-', dash + 1);
            }
        }
    }

    private static boolean matches(CharSequence text, int s) {
        if (s + 11 > text.length() || text.charAt(s + 6) != '-') {
            return false;
        }
        if (!Chars.digits(text, s, 3) || !Chars.digits(text, s + 4, 2) || !Chars.digits(text, s + 7, 4)) {
            return false;
        }
        if (!Chars.leftClear(text, s) || !Chars.rightClear(text, s + 11)) {
            return false;
        }
        int area = number(text, s, 3);
        int group = number(text, s + 4, 2);
        int serial = number(text, s + 7, 4);
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    }

    private static int number(CharSequence text, int from, int count) {
        int result = 0;
        for (int i = from; i < from + count; i++) {
            result = result * 10 + (text.charAt(i) - '0');
        }
        return result;
    }
}
