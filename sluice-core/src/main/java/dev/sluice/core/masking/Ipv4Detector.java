package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isDigit;

/**
 * IPv4 addresses in dotted-quad form: four decimal octets 0-255 without leading zeros. A quad that is part of
 * a longer dotted number (the version {@code 1.2.3.4.5}), glued to a word ({@code v1.2.3.4}) or followed by
 * more digits does not match. A plain four-part version number such as {@code 1.2.3.4} is indistinguishable
 * from an address and does match. Prefilter: the text must contain '.'.
 */
final class Ipv4Detector implements Detector, Prefiltered {
    @Override
    public String name() {
        return "ipv4";
    }

    /** A dotted quad: dots and at least four digits. */
    @Override
    public boolean mayMatch(int profile) {
        return ByteProfile.has(profile, ByteProfile.DOT) && ByteProfile.digits(profile) >= 4;
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        int dot = Chars.indexOf(text, '.', 1);
        while (dot >= 0) {
            int start = dot;
            while (start > 0 && start > dot - 3 && isDigit(text.charAt(start - 1))) {
                start--;
            }
            int end = start < dot && clearBefore(text, start) ? quadEnd(text, start) : -1;
            if (end > 0 && Chars.rightClear(text, end)) {
                out.accept(start, end);
                dot = Chars.indexOf(text, '.', end);
            } else {
                dot = Chars.indexOf(text, '.', dot + 1);
            }
        }
    }

    private static boolean clearBefore(CharSequence text, int start) {
        if (start == 0) {
            return true;
        }
        char c = text.charAt(start - 1);
        return !Chars.isWord(c) && c != '.';
    }

    /** End of a strict dotted quad starting at {@code start}, or -1. */
    static int quadEnd(CharSequence text, int start) {
        int p = start;
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (Chars.at(text, p) != '.') {
                    return -1;
                }
                p++;
            }
            int end = octetEnd(text, p);
            if (end < 0) {
                return -1;
            }
            p = end;
        }
        return p;
    }

    private static int octetEnd(CharSequence text, int p) {
        int value = 0;
        int i = p;
        while (i < p + 3 && isDigit(Chars.at(text, i))) {
            value = value * 10 + (text.charAt(i) - '0');
            i++;
        }
        int len = i - p;
        if (len == 0 || value > 255 || (len > 1 && text.charAt(p) == '0') || isDigit(Chars.at(text, i))) {
            return -1;
        }
        return i;
    }
}
