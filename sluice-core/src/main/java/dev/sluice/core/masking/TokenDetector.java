package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isAlnum;

/**
 * Vendor tokens with a fixed prefix. Used for two built-ins:
 *
 * <ul>
 *   <li>{@code github-token}: {@code ghp_}, {@code gho_}, {@code ghu_}, {@code ghs_}, {@code ghr_} followed by
 *       at least 36 letters or digits, and fine-grained {@code github_pat_} followed by at least 22 letters,
 *       digits or underscores;</li>
 *   <li>{@code slack-token}: {@code xoxb-}, {@code xoxp-}, {@code xoxa-}, {@code xoxr-}, {@code xoxs-} followed
 *       by at least 10 letters, digits or dashes, including a digit.</li>
 * </ul>
 *
 * The prefix must not be glued to a preceding word character.
 */
final class TokenDetector implements Detector {
    private static final int MAX_BODY = 255;

    private final String name;
    private final boolean github;

    private TokenDetector(String name, boolean github) {
        this.name = name;
        this.github = github;
    }

    static TokenDetector github() {
        return new TokenDetector("github-token", true);
    }

    static TokenDetector slack() {
        return new TokenDetector("slack-token", false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        if (github) {
            for (int p = Chars.indexOf(text, '_', 3); p >= 0; p = Chars.indexOf(text, '_', p + 1)) {
                githubAt(text, p, out);
            }
        } else {
            for (int p = Chars.indexOf(text, "xox", 0); p >= 0; p = Chars.indexOf(text, "xox", p + 3)) {
                slackAt(text, p, out);
            }
        }
    }

    private static void githubAt(CharSequence text, int underscore, SpanConsumer out) {
        int s = underscore - 3;
        if (text.charAt(s) == 'g' && text.charAt(s + 1) == 'h' && "pousr".indexOf(text.charAt(s + 2)) >= 0
                && clearBefore(text, s)) {
            int end = bodyEnd(text, underscore + 1, false);
            if (end - underscore - 1 >= 36 && !Chars.isWord(Chars.at(text, end))) {
                out.accept(s, end);
            }
            return;
        }
        s = underscore - 10;
        if (Chars.regionMatches(text, s, "github_pat") && clearBefore(text, s)) {
            int end = bodyEnd(text, underscore + 1, true);
            if (end - underscore - 1 >= 22) {
                out.accept(s, end);
            }
        }
    }

    private static void slackAt(CharSequence text, int s, SpanConsumer out) {
        if ("bpars".indexOf(Chars.at(text, s + 3)) < 0 || Chars.at(text, s + 4) != '-' || !clearBefore(text, s)) {
            return;
        }
        int from = s + 5;
        int end = from;
        boolean digit = false;
        while (end < text.length() && end - from < MAX_BODY
                && (isAlnum(text.charAt(end)) || text.charAt(end) == '-')) {
            digit |= Chars.isDigit(text.charAt(end));
            end++;
        }
        while (end > from && text.charAt(end - 1) == '-') {
            end--;
        }
        if (end - from >= 10 && digit) {
            out.accept(s, end);
        }
    }

    private static int bodyEnd(CharSequence text, int from, boolean underscores) {
        int i = from;
        while (i < text.length() && i - from < MAX_BODY
                && (isAlnum(text.charAt(i)) || (underscores && text.charAt(i) == '_'))) {
            i++;
        }
        return i;
    }

    private static boolean clearBefore(CharSequence text, int s) {
        return s == 0 || !Chars.isWord(text.charAt(s - 1));
    }
}
