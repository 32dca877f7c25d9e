package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isHex;

/**
 * IPv6 addresses: eight groups of 1-4 hex digits, or fewer with one {@code ::}, optionally ending in a dotted
 * IPv4 quad ({@code ::ffff:192.0.2.1}), checked by hand (no {@code InetAddress}). At least two groups are
 * required, so a lone {@code ::} or {@code ::1} does not match. Times ({@code 12:30:45}), MAC addresses and
 * C++ scopes ({@code std::vector}) do not match. A zone ({@code %eth0}), brackets and a prefix length stay
 * outside the span. Prefilter: the text must contain ':'.
 */
final class Ipv6Detector implements Detector {
    private static final int MAX_LENGTH = 45;

    @Override
    public String name() {
        return "ipv6";
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        int n = text.length();
        int colon = Chars.indexOf(text, ':', 0);
        while (colon >= 0) {
            int s = colon;
            while (s > 0 && isRunChar(text.charAt(s - 1))) {
                s--;
            }
            int e = colon;
            while (e < n && isRunChar(text.charAt(e))) {
                e++;
            }
            report(text, s, e, out);
            colon = Chars.indexOf(text, ':', e);
        }
    }

    private static void report(CharSequence text, int runStart, int runEnd, SpanConsumer out) {
        if (runStart > 0 && Chars.isWord(text.charAt(runStart - 1))
                || runEnd < text.length() && Chars.isWord(text.charAt(runEnd))) {
            return;
        }
        int s = runStart;
        int e = runEnd;
        if (text.charAt(s) == ':' && Chars.at(text, s + 1) != ':') {
            s++;
        }
        while (e > s && text.charAt(e - 1) == '.') {
            e--;
        }
        if (e - s >= 2 && text.charAt(e - 1) == ':' && text.charAt(e - 2) != ':') {
            e--;
        }
        if (e - s >= 2 && e - s <= MAX_LENGTH && valid(text, s, e)) {
            out.accept(s, e);
        }
    }

    static boolean valid(CharSequence text, int s, int e) {
        int groups = 0;
        boolean compressed = false;
        int i = s;
        if (text.charAt(i) == ':') {
            if (Chars.at(text, i + 1) != ':') {
                return false;
            }
            compressed = true;
            i += 2;
        }
        while (i < e) {
            int gs = i;
            while (i < e && isHex(text.charAt(i))) {
                i++;
            }
            if (i < e && text.charAt(i) == '.') {
                if (Ipv4Detector.quadEnd(text, gs) != e) {
                    return false;
                }
                groups += 2;
                break;
            }
            int len = i - gs;
            if (len == 0 || len > 4) {
                return false;
            }
            groups++;
            if (i == e) {
                break;
            }
            i++; // the ':' after the group
            if (i < e && text.charAt(i) == ':') {
                if (compressed) {
                    return false;
                }
                compressed = true;
                i++;
            } else if (i == e) {
                return false;
            }
        }
        return compressed ? groups >= 2 && groups <= 7 : groups == 8;
    }

    private static boolean isRunChar(char c) {
        return isHex(c) || c == ':' || c == '.';
    }
}
