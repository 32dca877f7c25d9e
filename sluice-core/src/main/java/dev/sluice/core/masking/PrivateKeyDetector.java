package dev.sluice.core.masking;

/**
 * PEM private key blocks: from {@code -----BEGIN <label>-----} to the matching {@code -----END <label>-----},
 * where the label ends in {@code PRIVATE KEY} ({@code RSA}, {@code EC}, {@code OPENSSH}, {@code ENCRYPTED},
 * plain PKCS#8) or is {@code PGP PRIVATE KEY BLOCK}. A block without its END line (a truncated value) is
 * masked to the end of the text. Certificates and public keys do not match.
 */
final class PrivateKeyDetector implements Detector {
    private static final String BEGIN = "-----BEGIN ";
    private static final String DASHES = "-----";
    private static final int MAX_LABEL = 64;

    @Override
    public String name() {
        return "private-key";
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        int p = next(text, 0);
        while (p >= 0) {
            int labelStart = p + BEGIN.length();
            int labelEnd = Chars.indexOf(text, DASHES, labelStart);
            if (labelEnd < 0) {
                return;
            }
            String label = text.subSequence(labelStart, labelEnd).toString();
            if (labelEnd - labelStart > MAX_LABEL || !isPrivateKeyLabel(label)) {
                p = next(text, labelStart);
                continue;
            }
            String endLine = "-----END " + label + DASHES;
            int endAt = Chars.indexOf(text, endLine, labelEnd + DASHES.length());
            int end = endAt < 0 ? text.length() : endAt + endLine.length();
            out.accept(p, end);
            p = next(text, end);
        }
    }

    /** Next "-----BEGIN " at or after {@code from}, found by its rarer "BEGIN " part. */
    private static int next(CharSequence text, int from) {
        for (int b = Chars.indexOf(text, "BEGIN ", from + 5); b >= 0; b = Chars.indexOf(text, "BEGIN ", b + 1)) {
            if (Chars.regionMatches(text, b - 5, DASHES)) {
                return b - 5;
            }
        }
        return -1;
    }

    private static boolean isPrivateKeyLabel(String label) {
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (!Chars.isUpper(c) && !Chars.isDigit(c) && c != ' ') {
                return false;
            }
        }
        return label.endsWith("PRIVATE KEY") || label.equals("PGP PRIVATE KEY BLOCK");
    }
}
