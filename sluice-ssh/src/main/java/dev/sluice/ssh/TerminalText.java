package dev.sluice.ssh;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Same-length masking of terminal output: what a terminal shows is the text between its escape sequences, so a value
 * coloured digit by digit ({@code grep --color}) or split by cursor movements is still one value. The visible bytes
 * (everything but escape sequences: CSI {@code ESC [ … final}, OSC {@code ESC ] … BEL|ESC \}, DCS/PM/APC strings,
 * and two-byte {@code ESC x}) are masked as one text with a same-length masking and written back in place, so the
 * escape sequences, and the cursor positions they compute, stay as they were.
 *
 * <p>The raw bytes are masked too (a value inside an escape sequence, say a window title, reaches the caller's
 * bytes even if a terminal does not show it). Bytes that are not valid UTF-8 are masked as ASCII (every other byte a non-letter stand-in), so a
 * value in a mixed or binary stream is still found. Stateless.
 */
final class TerminalText {
    private static final byte ESC = 0x1b;
    private static final char STAND_IN = 0x1a;

    private TerminalText() {
    }

    /**
     * Where the bytes {@code [0, length)} can be cut so that no escape sequence is split: {@code length}, or the
     * start of an escape sequence that is not finished yet.
     */
    static int complete(byte[] bytes, int length) {
        int i = 0;
        while (i < length) {
            if (bytes[i] != ESC) {
                i++;
                continue;
            }
            int end = sequenceEnd(bytes, i, length);
            if (end < 0) {
                return i;
            }
            i = end;
        }
        return length;
    }

    /**
     * Masks the visible text of {@code bytes[0, length)} (which holds only whole escape sequences) in place; a value
     * is found in all of it, but only {@code [from, length)} is written back, since what comes before was sent
     * already. Returns whether anything changed.
     */
    static boolean mask(byte[] bytes, int from, int length, UnaryOperator<String> mask) {
        boolean result = false;
        // the raw bytes first: a value inside an escape sequence (a window title) is in the bytes the caller gets
        byte[] raw = Arrays.copyOf(bytes, length);
        byte[] rawMasked = maskBytes(raw, mask);
        for (int k = from; k < length; k++) {
            if (rawMasked[k] != raw[k]) {
                bytes[k] = rawMasked[k];
                result = true;
            }
        }
        byte[] visible = new byte[length];
        int[] at = new int[length];
        int n = 0;
        int i = 0;
        while (i < length) {
            if (bytes[i] == ESC) {
                int end = sequenceEnd(bytes, i, length);
                i = end < 0 ? length : end;
                continue;
            }
            visible[n] = bytes[i];
            at[n++] = i++;
        }
        if (n == 0) {
            return result;
        }
        byte[] masked = maskBytes(Arrays.copyOf(visible, n), mask);
        for (int k = 0; k < n; k++) {
            if (masked[k] != visible[k] && at[k] >= from) {
                bytes[at[k]] = masked[k];
                result = true;
            }
        }
        return result;
    }

    private static byte[] maskBytes(byte[] visible, UnaryOperator<String> mask) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(visible)).toString();
            String masked = mask.apply(text);
            byte[] result = masked.getBytes(StandardCharsets.UTF_8);
            if (result.length == visible.length) {
                return result;
            }
        } catch (CharacterCodingException e) {
            // not UTF-8: masked as ASCII below
        }
        char[] ascii = new char[visible.length];
        for (int k = 0; k < visible.length; k++) {
            ascii[k] = visible[k] >= 0 ? (char) visible[k] : STAND_IN;
        }
        String text = new String(ascii);
        String masked = mask.apply(text);
        byte[] result = visible.clone();
        if (masked.length() != text.length()) {
            // Fail closed: masking that moved characters cannot be placed; every letter and digit is hidden.
            for (int k = 0; k < result.length; k++) {
                if (Character.isLetterOrDigit(ascii[k])) {
                    result[k] = '*';
                }
            }
            return result;
        }
        for (int k = 0; k < result.length; k++) {
            if (masked.charAt(k) != ascii[k]) {
                result[k] = (byte) masked.charAt(k);
            }
        }
        return result;
    }

    /** The index after the escape sequence at {@code start}; -1 when it does not end before {@code length}. */
    private static int sequenceEnd(byte[] bytes, int start, int length) {
        if (start + 1 >= length) {
            return -1;
        }
        byte kind = bytes[start + 1];
        switch (kind) {
            case '[' -> {
                for (int i = start + 2; i < length; i++) {
                    if (bytes[i] >= 0x40 && bytes[i] <= 0x7e) {
                        return i + 1;
                    }
                }
                return -1;
            }
            case ']', 'P', '^', '_', 'X' -> {
                for (int i = start + 2; i < length; i++) {
                    if (bytes[i] == 0x07) {
                        return i + 1;
                    }
                    if (bytes[i] == ESC && i + 1 < length && bytes[i + 1] == '\\') {
                        return i + 2;
                    }
                }
                return -1;
            }
            default -> {
                return start + 2;
            }
        }
    }
}
