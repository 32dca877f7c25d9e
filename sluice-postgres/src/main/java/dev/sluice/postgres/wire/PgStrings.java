package dev.sluice.postgres.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The protocol's {@code String} type: UTF-8 bytes followed by one NUL byte.
 *
 * <pre>
 * +---------------------------+------+
 * | UTF-8 bytes, no NUL (0x00) | 0x00 |
 * +---------------------------+------+
 * </pre>
 *
 * <p>Decoding is strict: malformed UTF-8 raises {@link MalformedMessageException} instead of being replaced, so
 * what the gateway inspects is exactly what the server would execute. A session in another (ASCII-safe) client
 * encoding decodes with {@link #decode(byte[], int, int, java.nio.charset.Charset)}, as strictly. Encoding rejects a value containing NUL, which would otherwise end
 * the string early and let the rest be read as further fields.
 */
public final class PgStrings {
    private PgStrings() {
    }

    /** The NUL-terminated UTF-8 encoding of {@code value}; throws {@link WireException} if it contains NUL. */
    public static byte[] cstring(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        byte[] result = new byte[utf8.length + 1];
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] == 0) {
                throw new WireException("a protocol string must not contain a NUL character (at byte " + i + ")");
            }
            result[i] = utf8[i];
        }
        return result;
    }

    /** Strictly decodes {@code length} bytes of UTF-8 starting at {@code offset}. */
    public static String utf8(byte[] bytes, int offset, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedMessageException("string is not valid UTF-8 (expected: client_encoding UTF8)");
        }
    }

    /**
     * Strictly decodes {@code length} bytes in {@code charset} (a session's client encoding, see
     * {@code ClientEncodings}): malformed or unmappable input raises {@link MalformedMessageException}, never a
     * replacement character, so that what the gateway inspects is exactly what the server reads.
     */
    public static String decode(byte[] bytes, int offset, int length, java.nio.charset.Charset charset) {
        if (charset.equals(StandardCharsets.UTF_8)) {
            return utf8(bytes, offset, length);
        }
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedMessageException("string is not valid " + charset.name()
                    + " (expected: the session's client_encoding)");
        }
    }

    /**
     * The position of the first NUL at or after {@code from} and before {@code end}.
     *
     * @throws MalformedMessageException if there is none
     */
    public static int indexOfNul(byte[] bytes, int from, int end) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        throw new MalformedMessageException("string is missing its NUL terminator (expected: a 0x00 before byte "
                + end + ")");
    }
}
