package dev.sluice.core.masking;

import java.nio.charset.StandardCharsets;

/**
 * How a sensitive value (a whole column value, or a span a {@link Detector} found) is replaced.
 *
 * <ul>
 *   <li>{@link Redact}: a fixed text, {@code [REDACTED]} by default;</li>
 *   <li>{@link Partial}: keeps the first and last letters or digits, masks the others, keeps separators
 *       ({@code 4242 4242 4242 4242} becomes {@code **** **** **** 4242});</li>
 *   <li>{@link Hash}: a short keyed token {@code h:} + 16 hex digits of HMAC-SHA256, equal for equal inputs
 *       under one key, so masked values can still be joined and counted;</li>
 *   <li>{@link Nullify}: SQL NULL for a whole column value (the caller checks for this type and sends NULL);
 *       inside a text it means redact.</li>
 * </ul>
 */
public sealed interface Strategy permits Strategy.Redact, Strategy.Partial, Strategy.Hash, Strategy.Nullify {
    /** The replacement text used by {@link #redact()} and by {@link Nullify} inside a text. */
    String REDACTED = "[REDACTED]";

    /** The replacement for {@code value}. Never returns the value itself unless it is empty. */
    String apply(String value);

    /**
     * Parses a strategy spec: {@code redact}, {@code redact(TEXT)}, {@code partial} (same as
     * {@code partial(0,4)}), {@code partial(FIRST,LAST)}, {@code partial(FIRST,LAST,CHAR)}, {@code hash},
     * {@code null}. Names are case-insensitive.
     *
     * @param hashKey the HMAC key for {@code hash} (at least 16 bytes); ignored by the other strategies
     * @throws MaskingConfigException if the spec is not one of these, or {@code hash} gets a short key
     */
    static Strategy parse(String spec, byte[] hashKey) {
        return StrategyParser.parse(spec, hashKey);
    }

    static Strategy redact() {
        return new Redact(REDACTED);
    }

    /** Replaces a value with a fixed text of 1-256 characters. */
    record Redact(String text) implements Strategy {
        public Redact {
            if (text.isEmpty() || text.length() > 256) {
                throw new MaskingConfigException("redact text must have 1-256 characters");
            }
        }

        @Override
        public String apply(String value) {
            return text;
        }
    }

    /**
     * Keeps the first {@code keepFirst} and last {@code keepLast} letters or digits and replaces every other
     * letter or digit with {@code maskChar}; separators (anything else) are kept. When the kept characters
     * would be more than two thirds of the letters and digits, everything is masked, so a short value is never
     * revealed ({@code partial(0,4)} masks "Alice" whole, {@code partial(6,4)} keeps BIN and last four of a card).
     */
    record Partial(int keepFirst, int keepLast, char maskChar) implements Strategy {
        public Partial {
            if (keepFirst < 0 || keepLast < 0 || keepFirst > 64 || keepLast > 64) {
                throw new MaskingConfigException("partial keeps 0-64 characters at each end (got "
                        + keepFirst + ", " + keepLast + ")");
            }
            if (Character.isLetterOrDigit(maskChar) || Character.isSurrogate(maskChar)) {
                throw new MaskingConfigException("partial mask character must not be a letter or digit");
            }
        }

        @Override
        public String apply(String value) {
            byte[] ascii = value.getBytes(StandardCharsets.UTF_8);
            if (ascii.length == value.length()) { // all ASCII (the usual card, phone, account number): bytes in place
                return applyAscii(ascii);
            }
            char[] chars = value.toCharArray();
            int significant = 0;
            for (char c : chars) {
                if (Character.isSurrogate(c)) {
                    return applyCodePoints(value);
                }
                if (Character.isLetterOrDigit(c)) {
                    significant++;
                }
            }
            // No surrogates: every char is a code point, so the value is masked in place.
            boolean keepNone = 3 * (keepFirst + keepLast) > 2 * significant;
            int seen = 0;
            for (int i = 0; i < chars.length; i++) {
                if (Character.isLetterOrDigit(chars[i])) {
                    if (keepNone || (seen >= keepFirst && seen < significant - keepLast)) {
                        chars[i] = maskChar;
                    }
                    seen++;
                }
            }
            return new String(chars);
        }

        private String applyAscii(byte[] value) {
            int significant = 0;
            for (byte b : value) {
                if (isAsciiLetterOrDigit(b)) {
                    significant++;
                }
            }
            boolean keepNone = 3 * (keepFirst + keepLast) > 2 * significant;
            int seen = 0;
            boolean asciiMask = maskChar < 0x80;
            char[] wide = asciiMask ? null : new char[value.length];
            for (int i = 0; i < value.length; i++) {
                boolean masked = false;
                if (isAsciiLetterOrDigit(value[i])) {
                    masked = keepNone || (seen >= keepFirst && seen < significant - keepLast);
                    seen++;
                }
                if (asciiMask) {
                    if (masked) {
                        value[i] = (byte) maskChar;
                    }
                } else {
                    wide[i] = masked ? maskChar : (char) value[i];
                }
            }
            return asciiMask ? new String(value, StandardCharsets.ISO_8859_1) : new String(wide);
        }

        private static boolean isAsciiLetterOrDigit(byte b) {
            return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
        }

        /** The general case, for a value with characters outside the BMP. */
        private String applyCodePoints(String value) {
            int significant = 0;
            for (int i = 0; i < value.length(); i += Character.charCount(value.codePointAt(i))) {
                if (Character.isLetterOrDigit(value.codePointAt(i))) {
                    significant++;
                }
            }
            boolean keepNone = 3 * (keepFirst + keepLast) > 2 * significant;
            StringBuilder result = new StringBuilder(value.length());
            int seen = 0;
            for (int i = 0; i < value.length(); ) {
                int cp = value.codePointAt(i);
                i += Character.charCount(cp);
                if (!Character.isLetterOrDigit(cp)) {
                    result.appendCodePoint(cp);
                    continue;
                }
                boolean keep = !keepNone && (seen < keepFirst || seen >= significant - keepLast);
                seen++;
                if (keep) {
                    result.appendCodePoint(cp);
                } else {
                    result.append(maskChar);
                }
            }
            return result.toString();
        }
    }

    /** Keyed HMAC-SHA256 token; see {@link HashStrategy}. */
    final class Hash implements Strategy {
        private final HashStrategy hmac;

        /** @param key the HMAC key, at least 16 bytes; copied */
        public Hash(byte[] key) {
            this.hmac = new HashStrategy(key);
        }

        @Override
        public String apply(String value) {
            return hmac.token(value);
        }

        @Override
        public String toString() {
            return "Hash[key=****]";
        }
    }

    /** SQL NULL for a whole value; {@link Strategy#REDACTED} inside a text. */
    record Nullify() implements Strategy {
        @Override
        public String apply(String value) {
            return REDACTED;
        }
    }
}
