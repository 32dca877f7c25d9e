package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isAlnum;
import static dev.sluice.core.masking.Chars.isDigit;
import static dev.sluice.core.masking.Chars.isUpper;

/**
 * AWS credentials. Access key ids: {@code AKIA} (long-term) or {@code ASIA} (temporary) followed by 16
 * upper-case letters or digits, standing alone. Secret access keys are 40 characters of
 * {@code [A-Za-z0-9/+=]} with no recognisable shape, so they match only when labelled:
 * {@code aws_secret_access_key}, {@code secret_access_key}, {@code SecretAccessKey} (any case, with or without
 * underscores), then '=' or ':' with optional spaces and quotes. Only the key itself is masked, not the label.
 */
final class AwsKeyDetector implements Detector {
    private static final int ID_BODY = 16;
    private static final int SECRET_LENGTH = 40;

    @Override
    public String name() {
        return "aws-key";
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        accessKeyIds(text, "KIA", out);
        accessKeyIds(text, "SIA", out);
        secrets(text, "ccess", out);
        secrets(text, "CCESS", out);
    }

    /** {@code tail} is "KIA" or "SIA", searched without the frequent leading 'A'. */
    private static void accessKeyIds(CharSequence text, String tail, SpanConsumer out) {
        for (int t = Chars.indexOf(text, tail, 1); t >= 0; t = Chars.indexOf(text, tail, t + 3)) {
            int p = t - 1;
            int end = p + 4 + ID_BODY;
            if (text.charAt(p) != 'A') {
                continue;
            }
            if (end > text.length() || (p > 0 && isAlnum(text.charAt(p - 1)))
                    || (end < text.length() && isAlnum(text.charAt(end)))) {
                continue;
            }
            boolean body = true;
            for (int i = p + 4; i < end && body; i++) {
                char c = text.charAt(i);
                body = isUpper(c) || isDigit(c);
            }
            if (body) {
                out.accept(p, end);
            }
        }
    }

    /** {@code anchor} is "ccess" inside "access"; finds the labelled 40-character value after the label. */
    private static void secrets(CharSequence text, String anchor, SpanConsumer out) {
        for (int p = Chars.indexOf(text, anchor, 1); p >= 0; p = Chars.indexOf(text, anchor, p + 1)) {
            int i = labelTail(text, p - 1);
            if (i < 0 || !secretBefore(text, p - 1)) {
                continue;
            }
            i = skipAssignment(text, i);
            int end = i + SECRET_LENGTH;
            if (i < 0 || end > text.length() || (end < text.length() && isSecretChar(text.charAt(end)))) {
                continue;
            }
            boolean ok = true;
            for (int k = i; k < end && ok; k++) {
                ok = isSecretChar(text.charAt(k));
            }
            if (ok) {
                out.accept(i, end);
            }
        }
    }

    /** True when "secret" or "secret_" (any case) ends just before {@code a}. */
    private static boolean secretBefore(CharSequence text, int a) {
        int p = Chars.at(text, a - 1) == '_' ? a - 1 : a;
        return p >= 6 && matchIgnoreCase(text, p - 6, "secret") == p;
    }

    /** Matches "access[_]key" case-insensitively at {@code i}; returns the index after it, or -1. */
    private static int labelTail(CharSequence text, int i) {
        int p = matchIgnoreCase(text, i, "access");
        if (p < 0) {
            return -1;
        }
        if (Chars.at(text, p) == '_') {
            p++;
        }
        return matchIgnoreCase(text, p, "key");
    }

    private static int matchIgnoreCase(CharSequence text, int p, String lower) {
        for (int k = 0; k < lower.length(); k++) {
            if ((Chars.at(text, p + k) | 0x20) != lower.charAt(k)) {
                return -1;
            }
        }
        return p + lower.length();
    }

    /** Skips {@code ["'] \s* [=:] \s* ["']}; returns the index of the value, or -1. */
    private static int skipAssignment(CharSequence text, int i) {
        int p = i;
        if (Chars.at(text, p) == '"' || Chars.at(text, p) == '\'') {
            p++;
        }
        p = skipSpaces(text, p);
        if (Chars.at(text, p) != '=' && Chars.at(text, p) != ':') {
            return -1;
        }
        p = skipSpaces(text, p + 1);
        if (Chars.at(text, p) == '"' || Chars.at(text, p) == '\'') {
            p++;
        }
        return p;
    }

    private static int skipSpaces(CharSequence text, int i) {
        int p = i;
        while (p < text.length() && p - i < 16 && (text.charAt(p) == ' ' || text.charAt(p) == '\t')) {
            p++;
        }
        return p;
    }

    private static boolean isSecretChar(char c) {
        return isAlnum(c) || c == '/' || c == '+' || c == '=';
    }
}
