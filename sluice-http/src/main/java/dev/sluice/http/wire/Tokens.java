package dev.sluice.http.wire;

/** RFC 9110 token characters. */
final class Tokens {
    private static final String SPECIALS = "!#$%&'*+-.^_`|~";

    private Tokens() {
    }

    static boolean isTokenChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || SPECIALS.indexOf(c) >= 0;
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTokenChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
