package dev.sluice.core.masking;

import java.util.Locale;

/** Parses the strategy specs documented on {@link Strategy#parse}. */
final class StrategyParser {
    private static final int MAX_SPEC = 300;

    private StrategyParser() {
    }

    static Strategy parse(String spec, byte[] hashKey) {
        String s = spec.strip();
        if (s.length() > MAX_SPEC) {
            throw new MaskingConfigException("masking strategy spec is longer than " + MAX_SPEC + " characters");
        }
        int open = s.indexOf('(');
        String name = (open < 0 ? s : s.substring(0, open)).strip().toLowerCase(Locale.ROOT);
        String args = null;
        if (open >= 0) {
            if (!s.endsWith(")")) {
                throw invalid(spec, "missing ')'");
            }
            args = s.substring(open + 1, s.length() - 1);
        }
        return switch (name) {
            case "redact" -> args == null ? Strategy.redact() : new Strategy.Redact(args);
            case "partial" -> args == null ? new Strategy.Partial(0, 4, '*') : partial(spec, args);
            case "hash" -> noArgs(spec, args, new Strategy.Hash(hashKey));
            case "null", "nullify" -> noArgs(spec, args, new Strategy.Nullify());
            default -> throw invalid(spec, "expected one of redact, partial, hash, null");
        };
    }

    private static Strategy partial(String spec, String args) {
        String[] parts = args.split(",", -1);
        if (parts.length != 2 && parts.length != 3) {
            throw invalid(spec, "expected partial(FIRST,LAST) or partial(FIRST,LAST,CHAR)");
        }
        int first = number(spec, parts[0]);
        int last = number(spec, parts[1]);
        char mask = '*';
        if (parts.length == 3) {
            String c = parts[2].strip();
            if (c.length() != 1) {
                throw invalid(spec, "the mask character must be a single character");
            }
            mask = c.charAt(0);
        }
        return new Strategy.Partial(first, last, mask);
    }

    private static int number(String spec, String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw invalid(spec, "'" + text.strip() + "' is not a number");
        }
    }

    private static Strategy noArgs(String spec, String args, Strategy result) {
        if (args != null) {
            throw invalid(spec, "takes no arguments");
        }
        return result;
    }

    private static MaskingConfigException invalid(String spec, String why) {
        String shown = spec.length() <= 80 ? spec : spec.substring(0, 80) + "...";
        return new MaskingConfigException("masking strategy '" + shown + "' is not valid: " + why);
    }
}
