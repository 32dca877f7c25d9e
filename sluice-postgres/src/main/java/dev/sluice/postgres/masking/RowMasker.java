package dev.sluice.postgres.masking;

import java.nio.charset.Charset;
import java.util.Optional;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.postgres.wire.Frame;

/**
 * Rewrites one DataRow frame under a {@link MaskingShape}, streaming: one row in, one row out, nothing kept.
 *
 * <pre>
 * 'D' | int16 n | (int32 len (-1 = NULL) | bytes * len) * n |
 * </pre>
 *
 * A row in which nothing was replaced is returned as the very same frame (no re-encoding); only a row with a
 * replaced value is re-encoded, copying the untouched values byte for byte. Confined to the relay's
 * upstream-to-client thread (the tally is thread-confined).
 */
public final class RowMasker {
    private static final byte[] NULL = new byte[0];

    private RowMasker() {
    }

    /**
     * @throws MaskingRefusal when the row does not fit its description, or holds a value that must be masked but
     *                        cannot be rewritten (binary, non-text type, strategy other than null)
     */
    public static Frame mask(Frame frame, MaskingShape shape, MaskTally tally, Charset charset) throws MaskingRefusal {
        return mask(frame, shape, tally, charset, null);
    }

    /** As above; the clear values replaced whole are remembered in {@code seen} (may be null). */
    public static Frame mask(Frame frame, MaskingShape shape, MaskTally tally, Charset charset, MaskedValues seen)
            throws MaskingRefusal {
        if (shape.passAll) {
            return frame;
        }
        byte[] payload = frame.payload();
        if (payload.length < 2) {
            throw new MaskingRefusal("malformed DataRow from the server");
        }
        int n = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        if (n != shape.size()) {
            throw new MaskingRefusal("a row of " + n + " columns does not match its description of " + shape.size());
        }
        byte[][] replaced = null;
        int pos = 2;
        int grow = 0;
        for (int i = 0; i < n; i++) {
            if (pos + 4 > payload.length) {
                throw new MaskingRefusal("malformed DataRow from the server");
            }
            int len = ((payload[pos] & 0xff) << 24) | ((payload[pos + 1] & 0xff) << 16) | ((payload[pos + 2] & 0xff) << 8)
                    | (payload[pos + 3] & 0xff);
            pos += 4;
            // len > remaining, not pos + len > length: a length near 2^31 overflows the sum (found with the fuzz targets)
            if (len < -1 || len > payload.length - pos) {
                throw new MaskingRefusal("malformed DataRow from the server");
            }
            byte action = shape.actions[i];
            if (len >= 0 && action != MaskingShape.PASS) {
                byte[] value = value(payload, pos, len, i, shape, tally, charset, seen);
                if (value != null) {
                    if (replaced == null) {
                        replaced = new byte[n][];
                    }
                    replaced[i] = value;
                    grow += (value == NULL ? 0 : value.length) - len;
                }
            }
            pos += Math.max(len, 0);
        }
        if (pos != payload.length) {
            // fail closed: bytes after the last column would be relayed (or zero-filled by the rebuild) unchecked
            throw new MaskingRefusal("malformed DataRow from the server");
        }
        return replaced == null ? frame : new Frame((byte) 'D', rebuild(payload, n, replaced, grow));
    }

    /** The replacement bytes of one value, {@link #NULL} for SQL NULL, or null to keep the original. */
    private static byte[] value(byte[] payload, int pos, int len, int column, MaskingShape shape, MaskTally tally,
                                Charset charset, MaskedValues seen) throws MaskingRefusal {
        byte action = shape.actions[column];
        int type = shape.types[column];
        if (action == MaskingShape.REFUSE) {
            throw new MaskingRefusal("cannot mask binary column " + shape.names[column] + " of type oid " + type
                    + " (only the null strategy applies to binary values of non-text types; use text format)");
        }
        if (action == MaskingShape.NULLIFY) {
            shape.plan.maskColumn(shape.masks[column], "", shape.names[column], tally);
            return NULL;
        }
        boolean jsonbBinary = type == MaskingTypes.JSONB && shape.formats[column] == 1;
        int start = pos;
        int length = len;
        if (jsonbBinary) {
            if (len < 1 || payload[pos] != 1) {
                throw new MaskingRefusal("cannot mask binary jsonb column " + shape.names[column]
                        + ": unknown jsonb version");
            }
            start++;
            length--;
        }
        String masked;
        if (action == MaskingShape.COLUMN) {
            String clear = new String(payload, start, length, charset);
            if (seen != null && shape.remember[column] && length <= MaskedValues.MAX_LENGTH) {
                seen.add(clear);
            }
            masked = shape.plan.maskColumn(shape.masks[column], clear, shape.names[column], tally);
            if (MaskingTypes.isJson(type)) {
                masked = MaskingTypes.jsonString(masked);
            }
        } else {
            // Decoded only when some detector could match these bytes (the charset is ASCII-compatible).
            Optional<String> found = shape.plan.maskEncoded(payload, start, start + length, charset, tally);
            if (found.isEmpty()) {
                return null;
            }
            masked = found.get();
        }
        byte[] bytes = masked.getBytes(charset);
        if (!jsonbBinary) {
            return bytes;
        }
        byte[] result = new byte[bytes.length + 1];
        result[0] = 1;
        System.arraycopy(bytes, 0, result, 1, bytes.length);
        return result;
    }

    private static byte[] rebuild(byte[] payload, int n, byte[][] replaced, int grow) {
        byte[] result = new byte[payload.length + grow];
        result[0] = payload[0];
        result[1] = payload[1];
        int in = 2;
        int out = 2;
        for (int i = 0; i < n; i++) {
            int len = ((payload[in] & 0xff) << 24) | ((payload[in + 1] & 0xff) << 16) | ((payload[in + 2] & 0xff) << 8)
                    | (payload[in + 3] & 0xff);
            in += 4;
            byte[] value = replaced[i];
            if (value == null) {
                System.arraycopy(payload, in - 4, result, out, 4 + Math.max(len, 0));
                out += 4 + Math.max(len, 0);
            } else {
                int newLen = value == NULL ? -1 : value.length;
                result[out] = (byte) (newLen >>> 24);
                result[out + 1] = (byte) (newLen >>> 16);
                result[out + 2] = (byte) (newLen >>> 8);
                result[out + 3] = (byte) newLen;
                out += 4;
                if (value != NULL) {
                    System.arraycopy(value, 0, result, out, value.length);
                    out += value.length;
                }
            }
            in += Math.max(len, 0);
        }
        return result;
    }
}
