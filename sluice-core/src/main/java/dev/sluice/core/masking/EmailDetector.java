package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isAlnum;
import static dev.sluice.core.masking.Chars.isAlpha;

/**
 * E-mail addresses of the practical shape {@code local@label.label.tld}: a local part of 1-64 characters from
 * {@code [A-Za-z0-9._%+-]} or non-ASCII letters and digits (no leading, trailing or doubled dot), at least two domain labels of 1-63
 * characters that do not start or end with a dash, and a top-level domain of 2-63 letters (or an
 * {@code xn--} IDN label). So {@code a@b}, {@code foo@bar}, {@code user@localhost}, {@code pkg@1.2.3} and
 * {@code x@host.c} do not match. An address that is the userinfo of a URL ({@code https://user@host.com/})
 * is a URL, not an e-mail, and does not match; {@code mailto:user@host.com} does.
 *
 * <p>Prefilter: the text must contain '@'. Work per '@' is bounded (64 characters left, 253 right).
 */
final class EmailDetector implements Detector, Prefiltered {
    private static final int MAX_LOCAL = 64;
    private static final int MAX_DOMAIN = 253;
    private static final int MAX_TOKEN_LOOKBACK = 2048;

    @Override
    public String name() {
        return "email";
    }

    @Override
    public boolean mayMatch(int profile) {
        return ByteProfile.has(profile, ByteProfile.AT); // find() starts only at an '@'
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        int at = Chars.indexOf(text, '@', 1);
        while (at >= 0) {
            int end = tryAt(text, at, out);
            at = Chars.indexOf(text, '@', Math.max(at + 1, end));
        }
    }

    /** Returns the end of the reported address, or -1. */
    private static int tryAt(CharSequence text, int at, SpanConsumer out) {
        int start = localStart(text, at);
        if (start < 0) {
            return -1;
        }
        int end = domainEnd(text, at + 1);
        if (end < 0 || Chars.at(text, end) == '@' || isUrlUserinfo(text, start)) {
            return -1;
        }
        out.accept(start, end);
        return end;
    }

    private static int localStart(CharSequence text, int at) {
        int limit = Math.max(0, at - MAX_LOCAL - 1);
        int s = at;
        while (s > limit && isLocal(text.charAt(s - 1))) {
            s--;
        }
        if (s == limit && s > 0 && isLocal(text.charAt(s - 1))) {
            return -1; // local part longer than 64
        }
        while (s < at && text.charAt(s) == '.') {
            s++;
        }
        if (s == at || text.charAt(at - 1) == '.') {
            return -1;
        }
        for (int i = s + 1; i < at; i++) {
            if (text.charAt(i) == '.' && text.charAt(i - 1) == '.') {
                return -1;
            }
        }
        return s;
    }

    /** Parses labels from {@code from}; returns the end of the last label, or -1 if the domain is not valid. */
    private static int domainEnd(CharSequence text, int from) {
        int n = text.length();
        int p = from;
        int labels = 0;
        int lastStart = -1;
        int end = -1;
        while (true) {
            int ls = p;
            while (p < n && p - from <= MAX_DOMAIN && isLabel(text.charAt(p))) {
                p++;
            }
            int len = p - ls;
            if (len == 0 || len > 63 || text.charAt(ls) == '-' || text.charAt(p - 1) == '-') {
                return -1;
            }
            labels++;
            lastStart = ls;
            end = p;
            if (p + 1 < n && text.charAt(p) == '.' && isLabel(text.charAt(p + 1)) && text.charAt(p + 1) != '-') {
                p++;
                continue;
            }
            break;
        }
        if (labels < 2 || end - from > MAX_DOMAIN || !isTld(text, lastStart, end)) {
            return -1;
        }
        return end;
    }

    private static boolean isTld(CharSequence text, int from, int to) {
        if (to - from >= 4 && Chars.regionMatches(text, from, "xn--")) {
            return true;
        }
        if (to - from < 2) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!isAlpha(c) && !(c > 0x7f && Character.isLetter(c))) {
                return false;
            }
        }
        return true;
    }

    /** True when the token holding the address contains "://" before it. */
    private static boolean isUrlUserinfo(CharSequence text, int start) {
        int limit = Math.max(0, start - MAX_TOKEN_LOOKBACK);
        for (int i = start - 1; i >= limit + 2; i--) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || c == '"' || c == '\'' || c == '<' || c == '(') {
                return false;
            }
            if (c == '/' && text.charAt(i - 1) == '/' && text.charAt(i - 2) == ':') {
                return true;
            }
        }
        return false;
    }

    private static boolean isLocal(char c) {
        return isLabel(c) || c == '.' || c == '_' || c == '%' || c == '+';
    }

    /** Letters and digits, including non-ASCII ones (internationalised addresses), and '-'. */
    private static boolean isLabel(char c) {
        return isAlnum(c) || c == '-' || (c > 0x7f && Character.isLetterOrDigit(c));
    }
}
