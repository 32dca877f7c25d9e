package dev.sluice.postgres.wire;

import java.text.Normalizer;

/**
 * SASLprep (RFC 4013) of a SCRAM password, following PostgreSQL's {@code pg_saslprep}: a pure-ASCII password
 * passes unchanged; otherwise non-ASCII spaces become U+0020, "commonly mapped to nothing" characters are
 * dropped, the result is NFKC-normalised and checked against the prohibited tables and the bidi rule. When a
 * check fails, PostgreSQL uses the raw password bytes, and so does this class.
 *
 * <p>Not exact: unassigned code points are judged by the JDK's Unicode version, not Unicode 3.2 as RFC 3454
 * requires, so a password mixing characters that NFKC changes with characters assigned after Unicode 3.2
 * is normalised here where PostgreSQL would keep it raw.
 */
final class SaslPrep {
    private SaslPrep() {
    }

    static String prepare(String password) {
        if (password.chars().allMatch(c -> c < 0x80)) {
            return password;
        }
        StringBuilder mapped = new StringBuilder(password.length());
        password.codePoints().forEach(cp -> {
            if (isNonAsciiSpace(cp)) {
                mapped.append(' ');
            } else if (!isMappedToNothing(cp)) {
                mapped.appendCodePoint(cp);
            }
        });
        String result = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        if (result.isEmpty() || result.codePoints().anyMatch(SaslPrep::isProhibited) || !bidiOk(result)) {
            return password;
        }
        return result;
    }

    private static boolean isNonAsciiSpace(int cp) {
        return cp == 0x00A0 || cp == 0x1680 || cp >= 0x2000 && cp <= 0x200B || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    private static boolean isMappedToNothing(int cp) {
        return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || cp >= 0x180B && cp <= 0x180D
                || cp >= 0x200C && cp <= 0x200D || cp == 0x2060 || cp >= 0xFE00 && cp <= 0xFE0F || cp == 0xFEFF;
    }

    /** RFC 3454 tables C.1.2 to C.9 and A.1 (approximated by the JDK's unassigned category). */
    private static boolean isProhibited(int cp) {
        return isNonAsciiSpace(cp)
                || cp < 0x20 || cp >= 0x7F && cp <= 0x9F                                     // C.2.1, C.2.2
                || cp == 0x06DD || cp == 0x070F || cp == 0x180E || cp >= 0x200C && cp <= 0x200F
                || cp >= 0x2028 && cp <= 0x202E || cp >= 0x2060 && cp <= 0x2063 || cp >= 0x206A && cp <= 0x206F
                || cp == 0xFEFF || cp >= 0xFFF9 && cp <= 0xFFFD || cp >= 0x1D173 && cp <= 0x1D17A  // C.2.2, C.6
                || cp >= 0xE000 && cp <= 0xF8FF || cp >= 0xF0000                                 // C.3
                || cp >= 0xFDD0 && cp <= 0xFDEF || (cp & 0xFFFE) == 0xFFFE                       // C.4
                || cp >= 0xD800 && cp <= 0xDFFF                                                  // C.5
                || cp >= 0x2FF0 && cp <= 0x2FFB || cp == 0x0340 || cp == 0x0341                   // C.7, C.8
                || cp == 0xE0001 || cp >= 0xE0020 && cp <= 0xE007F                               // C.9
                || Character.getType(cp) == Character.UNASSIGNED;                               // A.1
    }

    /** RFC 3454 section 6: with any R/AL character, no L character, and R/AL first and last. */
    private static boolean bidiOk(String value) {
        boolean anyRtl = value.codePoints().anyMatch(SaslPrep::isRtl);
        if (!anyRtl) {
            return true;
        }
        boolean anyLtr = value.codePoints().anyMatch(cp -> Character.getDirectionality(cp)
                == Character.DIRECTIONALITY_LEFT_TO_RIGHT);
        return !anyLtr && isRtl(value.codePointAt(0)) && isRtl(value.codePointBefore(value.length()));
    }

    private static boolean isRtl(int cp) {
        byte direction = Character.getDirectionality(cp);
        return direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT
                || direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }
}
