package dev.sluice.core.masking;

import static dev.sluice.core.masking.Chars.isAlnum;
import static dev.sluice.core.masking.Chars.isDigit;
import static dev.sluice.core.masking.Chars.isUpper;

/**
 * International bank account numbers: a country code with a known IBAN length, two check digits and the
 * BBAN, in upper case, either compact ({@code DE89370400440532013000}) or in print format with a single
 * space after every four characters ({@code DE89 3704 0044 0532 0130 00}). The ISO 13616 mod-97 checksum must
 * hold and the length must be exactly the country's. Lower-case IBANs are not matched.
 */
final class IbanDetector implements Detector {
    private static final int MIN_LENGTH = 15;
    private static final byte[] LENGTHS = new byte[26 * 26];

    static {
        String table = "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20"
                + " EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IS26 IT27 JO30"
                + " KW30 KZ20 LB28 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28"
                + " PS29 PT25 QA29 RO24 RS22 SA24 SE24 SI19 SK24 SM27 TN24 TR26 UA29 VG24 XK20";
        for (String entry : table.split(" ")) {
            LENGTHS[index(entry.charAt(0), entry.charAt(1))] = Byte.parseByte(entry.substring(2));
        }
    }

    @Override
    public String name() {
        return "iban";
    }

    @Override
    public void find(CharSequence text, SpanConsumer out) {
        int n = text.length();
        if (n < MIN_LENGTH) {
            return;
        }
        int i = 0;
        while (i + 4 <= n) {
            char c3 = text.charAt(i + 3);
            if (!isDigit(c3) && !isUpper(c3)) {
                i += 4; // no IBAN can start at i..i+3: each would need c3 to be a digit or a letter
                continue;
            }
            char c0 = text.charAt(i);
            char c1 = text.charAt(i + 1);
            if (!isUpper(c0) || !isUpper(c1) || !isDigit(text.charAt(i + 2)) || !isDigit(c3)
                    || (i > 0 && isAlnum(text.charAt(i - 1)))) {
                i++;
                continue;
            }
            int length = LENGTHS[index(c0, c1)];
            int end = length == 0 ? -1 : end(text, i, length);
            if (end > 0 && checksum(text, i, end)) {
                out.accept(i, end);
                i = end;
            } else {
                i++;
            }
        }
    }

    /** End of a compact or print-format IBAN of {@code length} characters at {@code start}, or -1. */
    private static int end(CharSequence text, int start, int length) {
        int result = scan(text, start, length, false);
        return result > 0 ? result : scan(text, start, length, true);
    }

    private static int scan(CharSequence text, int start, int length, boolean grouped) {
        int n = text.length();
        int p = start;
        for (int count = 0; count < length; count++) {
            if (grouped && count > 0 && count % 4 == 0) {
                if (p >= n || text.charAt(p) != ' ') {
                    return -1;
                }
                p++;
            }
            if (p >= n || !(isUpper(text.charAt(p)) || isDigit(text.charAt(p)))) {
                return -1;
            }
            p++;
        }
        return p < n && isAlnum(text.charAt(p)) ? -1 : p;
    }

    /**
     * ISO 13616: move the first four characters (never split by a space) to the end, read letters as 10-35;
     * the number mod 97 is 1.
     */
    static boolean checksum(CharSequence text, int start, int end) {
        int rest = 0;
        for (int i = start + 4; i < end; i++) {
            char c = text.charAt(i);
            if (c != ' ') {
                rest = mod97(rest, c);
            }
        }
        for (int i = start; i < start + 4; i++) {
            rest = mod97(rest, text.charAt(i));
        }
        return rest == 1;
    }

    private static int mod97(int rest, char c) {
        if (isDigit(c)) {
            return (rest * 10 + (c - '0')) % 97;
        }
        return (rest * 100 + (c - 'A' + 10)) % 97;
    }

    private static int index(char c0, char c1) {
        return (c0 - 'A') * 26 + (c1 - 'A');
    }
}
