package dev.sluice.postgres.wire;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The field list shared by ErrorResponse and NoticeResponse:
 * {@code | (byte code | String value)* | 0x00 |}. Codes are single ASCII letters ('S' severity, 'V'
 * non-localized severity, 'C' SQLSTATE, 'M' message, 'D' detail, 'H' hint, ...); order is kept.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-error-fields.html">Error and notice fields</a>
 */
final class NoticeFields {
    private NoticeFields() {
    }

    static Map<Character, String> copy(Map<Character, String> fields) {
        for (Character code : fields.keySet()) {
            if (code == 0 || code > 0xff) {
                throw new WireException("field code " + (int) code + " cannot be encoded (expected: 1..255)");
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    static Map<Character, String> of(String severity, String sqlState, String message) {
        Map<Character, String> result = new LinkedHashMap<>();
        result.put('S', severity);
        result.put('V', severity);
        result.put('C', sqlState);
        result.put('M', message);
        return result;
    }

    static byte[] encode(Map<Character, String> fields) {
        PayloadWriter w = new PayloadWriter(128);
        fields.forEach((code, value) -> w.writeByte(code).writeCString(value));
        return w.writeByte(0).toBytes();
    }

    static Map<Character, String> decode(PayloadReader r) {
        Map<Character, String> result = new LinkedHashMap<>();
        for (byte code = r.readByte(); code != 0; code = r.readByte()) {
            // fail closed: with a repeated code, what Sluice inspects or masks (one value) and what the client shows
            // (another) could differ; PostgreSQL never repeats one (found with the fuzz targets)
            if (result.put((char) (code & 0xff), r.readCString()) != null) {
                throw new MalformedMessageException("field '" + (char) (code & 0xff)
                        + "' appears twice (expected: once)");
            }
        }
        return result;
    }

    /** The value of {@code code}, or "" when the server did not send it. */
    static String get(Map<Character, String> fields, char code) {
        return fields.getOrDefault(code, "");
    }
}
