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
        int p = Chars.indexOf(text, BEGIN, 0);
        while (p >= 0) {
            int labelStart = p + BEGIN.length();
            int labelEnd = Chars.indexOf(text, DASHES, labelStart);
            if (labelEnd < 0) {
                return;
            }
            String label = text.subSequence(labelStart, labelEnd).toString();
            if (labelEnd - labelStart > MAX_LABEL || !isPrivateKeyLabel(label)) {
                p = Chars.indexOf(text, BEGIN, labelStart);
                continue;
            }
            String endLine = "-----END " + label + DASHES;
            int endAt = Chars.indexOf(text, endLine, labelEnd + DASHES.length());
            int end = endAt < 0 ? text.length() : endAt + endLine.length();
            out.accept(p, end);
            p = Chars.indexOf(text, BEGIN, end);
        }
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
