package dev.sluice.postgres.masking;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.postgres.wire.Frame;

/**
 * Rewrites the CopyData rows of a text-format {@code COPY ... TO STDOUT}: one row per message, fields separated by
 * a tab, {@code \N} for NULL, backslash escapes, a newline at the end. With a {@link MaskingShape} (the COPY names a
 * table whose column count matches) each field gets its column's action; without one ({@link #maskLine}) the
 * detectors run over the whole line. An unchanged row is returned as the same frame. Confined to the relay's
 * upstream-to-client thread.
 */
public final class RowMaskerCopy {
    private RowMaskerCopy() {
    }

    static Frame maskFields(Frame frame, MaskingShape shape, MaskTally tally, Charset charset)
            throws MaskingRefusal {
        if (shape.passAll) {
            return frame;
        }
        byte[] row = frame.payload();
        int end = row.length > 0 && row[row.length - 1] == '\n' ? row.length - 1 : row.length;
        ByteArrayOutputStream out = null;
        int column = 0;
        int start = 0;
        int copied = 0;
        for (int i = 0; i <= end; i++) {
            if (i < end && row[i] != '\t') {
                continue;
            }
            if (column >= shape.size()) {
                throw new MaskingRefusal("a COPY row has more fields than the table has columns");
            }
            byte[] replacement = field(row, start, i, column, shape, tally, charset);
            if (replacement != null) {
                if (out == null) {
                    out = new ByteArrayOutputStream(row.length + 32);
                }
                out.write(row, copied, start - copied);
                out.writeBytes(replacement);
                copied = i;
            }
            column++;
            start = i + 1;
        }
        if (out == null) {
            return frame;
        }
        out.write(row, copied, row.length - copied);
        return new Frame((byte) 'd', out.toByteArray());
    }

    static Frame maskLine(Frame frame, MaskingShape shape, MaskTally tally, Charset charset) {
        String line = new String(frame.payload(), charset);
        String masked = shape.plan.maskText(line, tally);
        return masked == line ? frame : new Frame((byte) 'd', masked.getBytes(charset));
    }

    private static byte[] field(byte[] row, int from, int to, int column, MaskingShape shape, MaskTally tally,
                                Charset charset) {
        byte action = shape.actions[column];
        boolean isNull = to - from == 2 && row[from] == '\\' && row[from + 1] == 'N';
        if (action == MaskingShape.PASS || isNull) {
            return null;
        }
        if (action == MaskingShape.NULLIFY) {
            shape.plan.maskColumn(shape.masks[column], "", shape.names[column], tally);
            return new byte[] {'\\', 'N'};
        }
        String value = unescape(new String(row, from, to - from, charset));
        String masked = action == MaskingShape.COLUMN
                ? shape.plan.maskColumn(shape.masks[column], value, shape.names[column], tally)
                : shape.plan.maskText(value, tally);
        return masked == value ? null : escape(masked).getBytes(charset);
    }

    static String unescape(String text) {
        if (text.indexOf('\\') < 0) {
            return text;
        }
        StringBuilder result = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\' || i + 1 == text.length()) {
                result.append(c);
                continue;
            }
            char next = text.charAt(++i);
            switch (next) {
                case 'b' -> result.append('\b');
                case 'f' -> result.append('\f');
                case 'n' -> result.append('\n');
                case 'r' -> result.append('\r');
                case 't' -> result.append('\t');
                case 'v' -> result.append('\u000b');
                default -> result.append(next);
            }
        }
        return result.toString();
    }

    static String escape(String text) {
        StringBuilder result = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> result.append("\\\\");
                case '\b' -> result.append("\\b");
                case '\f' -> result.append("\\f");
                case '\n' -> result.append("\\n");
                case '\r' -> result.append("\\r");
                case '\t' -> result.append("\\t");
                case '\u000b' -> result.append("\\v");
                default -> result.append(c);
            }
        }
        return result.toString();
    }
}
