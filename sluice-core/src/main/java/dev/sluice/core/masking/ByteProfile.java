package dev.sluice.core.masking;

/**
 * A one-pass summary of a value still in bytes, so that detectors which cannot match are skipped before the value
 * is even decoded: which anchor characters it holds and how many ASCII digits. Valid for every ASCII-compatible
 * encoding (UTF-8, LATIN1, SQL_ASCII): a byte below 0x80 decodes to that ASCII character and nothing else does, so
 * an ASCII character is in the decoded text exactly when its byte is in the value.
 *
 * <p>A profile is an int: the flags below in the low byte, the digit count (capped at {@link #MAX_DIGITS}) above.
 */
final class ByteProfile {
    static final int AT = 1;
    static final int PLUS = 1 << 1;
    static final int PAREN = 1 << 2;
    static final int DASH = 1 << 3;
    static final int DOT = 1 << 4;
    static final int MAX_DIGITS = 1 << 16;
    /** Per byte value: its flag, or {@code DIGIT_BIT} for an ASCII digit; one small table, one lookup per byte. */
    private static final int DIGIT_BIT = 0x80;
    private static final byte[] CLASS = new byte[256];

    static {
        for (char c = '0'; c <= '9'; c++) {
            CLASS[c] = (byte) DIGIT_BIT;
        }
        CLASS['@'] = AT;
        CLASS['+'] = PLUS;
        CLASS['('] = PAREN;
        CLASS['-'] = DASH;
        CLASS['.'] = DOT;
    }

    private ByteProfile() {
    }

    /** The profile of {@code bytes[from, to)}. */
    static int of(byte[] bytes, int from, int to) {
        int flags = 0;
        int digits = 0;
        for (int i = from; i < to; i++) {
            int c = CLASS[bytes[i] & 0xff] & 0xff;
            flags |= c;
            digits += c >>> 7;
        }
        return (flags & 0x7f) | Math.min(digits, MAX_DIGITS) << 8;
    }

    /** The profile of a decoded text: the same as that of its bytes in any ASCII-compatible encoding. */
    static int of(CharSequence text) {
        int flags = 0;
        int digits = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char ch = text.charAt(i);
            if (ch < 0x80) {
                int c = CLASS[ch] & 0xff;
                flags |= c;
                digits += c >>> 7;
            }
        }
        return (flags & 0x7f) | Math.min(digits, MAX_DIGITS) << 8;
    }

    static boolean has(int profile, int flag) {
        return (profile & flag) != 0;
    }

    static int digits(int profile) {
        return profile >>> 8;
    }
}
