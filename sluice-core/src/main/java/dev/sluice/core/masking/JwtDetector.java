package dev.sluice.core.masking;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * JSON Web Tokens in compact form: three base64url segments joined by dots (the third may be empty, as in an
 * unsecured token), where the first decodes to a JSON object containing {@code "alg"}. Prefilter: the text
 * must contain {@code eyJ}, the base64url encoding of <code>{"</code> that starts every JWT header.
 */
final class JwtDetector implements Detector {
    private static final int MAX_HEADER = 4096;
    private static final int MIN_HEADER = 16;

    @Override
    public String name() {
        return "jwt";
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        // search for the rare 'J' rather than "eyJ": indexOf is fastest when its first character is rare
        int j = Chars.indexOf(text, 'J', 2);
        while (j >= 0) {
            int p = j - 2;
            int end = text.charAt(p) == 'e' && text.charAt(p + 1) == 'y' ? tokenEnd(text, p) : -1;
            if (end > 0) {
                out.accept(p, end);
                j = Chars.indexOf(text, 'J', end + 2);
            } else {
                j = Chars.indexOf(text, 'J', j + 1);
            }
        }
    }

    private static int tokenEnd(CharSequence text, int start) {
        if (start > 0 && (Chars.isBase64Url(text.charAt(start - 1)) || text.charAt(start - 1) == '.')) {
            return -1;
        }
        int headerEnd = segmentEnd(text, start);
        int len = headerEnd - start;
        if (len < MIN_HEADER || len > MAX_HEADER || Chars.at(text, headerEnd) != '.') {
            return -1;
        }
        int payloadEnd = segmentEnd(text, headerEnd + 1);
        if (payloadEnd == headerEnd + 1 || Chars.at(text, payloadEnd) != '.') {
            return -1;
        }
        int result = segmentEnd(text, payloadEnd + 1);
        if (Chars.at(text, result) == '.' || !headerHasAlg(text, start, headerEnd)) {
            return -1;
        }
        return result;
    }

    private static int segmentEnd(CharSequence text, int from) {
        int i = from;
        while (i < text.length() && Chars.isBase64Url(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean headerHasAlg(CharSequence text, int from, int to) {
        try {
            byte[] json = Base64.getUrlDecoder().decode(text.subSequence(from, to).toString());
            String header = new String(json, StandardCharsets.UTF_8).strip();
            return header.startsWith("{") && header.contains("\"alg\"");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
