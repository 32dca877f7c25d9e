package dev.sluice.core.policy;

/**
 * Shell-style globs: {@code *} matches any run of characters (dots included), {@code ?} exactly one. Matching is
 * linear-time with one backtrack point, so a hostile pattern cannot make it explode.
 */
public final class Glob {
    private Glob() {
    }

    public static boolean matches(String glob, String text) {
        int g = 0;
        int t = 0;
        int starG = -1;
        int starT = 0;
        while (t < text.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t))) {
                g++;
                t++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                starG = g++;
                starT = t;
            } else if (starG >= 0) {
                g = starG + 1;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    /**
     * Table matching. A schema-qualified glob ({@code public.orders}) also matches an unqualified name when
     * {@code lenient} and its table part matches: the name was resolved through the search path, so the rule could
     * apply. Deny and hold rules match leniently (fail closed); allow rules do not.
     */
    static boolean matchesTable(String glob, String table, boolean lenient) {
        if (matches(glob, table)) {
            return true;
        }
        int dot = glob.lastIndexOf('.');
        return lenient && dot >= 0 && table.indexOf('.') < 0 && matches(glob.substring(dot + 1), table);
    }
}
