package dev.sluice.postgres.masking;

import java.util.Set;

/**
 * Which PostgreSQL types masking can rewrite, by type OID as RowDescription reports it (a domain is reported as
 * its base type).
 *
 * <ul>
 *   <li>{@link #isText}: values are plain text in both formats: {@code text} 25, {@code varchar} 1043, {@code bpchar}
 *       1042, {@code name} 19, {@code unknown} 705, {@code json} 114, and {@code jsonb} 3802 (in binary, a version
 *       byte 1 before the text). Detectors run on these in both formats; whole-column strategies rewrite them in
 *       both formats.</li>
 *   <li>{@link #isTextual}: detectors also run on these in <em>text</em> format only: the above plus {@code xml} 142,
 *       arrays of text types (1009, 1015, 1014, 199, 3807, 143) and user-defined types (OID ≥ 16384: enums,
 *       {@code citext}, composites), whose text form is free text.</li>
 *   <li>Everything else (numbers, dates, bytea, uuid, …) is never scanned by detectors (a bigint id is no
 *       phone number). A whole-column rule still applies: in text format the strategy's text is sent; in binary
 *       format only {@code null} can be honoured, any other strategy refuses the statement (SQLSTATE 42501).</li>
 * </ul>
 */
public final class MaskingTypes {
    static final int JSON = 114;
    static final int JSONB = 3802;
    /** {@code anyarray}: only the statistics' sample values have it. */
    static final int ANYARRAY = 2277;
    /** {@code record}: anonymous rows, {@code row(card, email)}. */
    static final int RECORD = 2249;
    private static final Set<Integer> TEXT = Set.of(25, 1043, 1042, 19, 705, JSON, JSONB);
    private static final Set<Integer> TEXTUAL = Set.of(142, 1009, 1015, 1014, 199, 3807, 143, 3614, 3615);
    private static final int FIRST_USER_OID = 16384;
    /** Arrays of records and of the common scalar types: their text form may quote any text value. */
    private static final Set<Integer> ARRAYS = Set.of(2287, 1007, 1016, 1005, 1021, 1022, 1231, 1000, 1001, 1115,
            1182, 1185, 2951, 199, 3807, 3643, 143, 1009, 1015, 1014);

    private MaskingTypes() {
    }

    static boolean isText(int typeOid) {
        return TEXT.contains(typeOid);
    }

    /** Whether detectors run on a value of this type sent in {@code format} (0 text, 1 binary). */
    static boolean detectable(int typeOid, int format) {
        if (isText(typeOid)) {
            return true;
        }
        return format == 0 && (TEXTUAL.contains(typeOid) || typeOid >= FIRST_USER_OID || typeOid == RECORD
                || typeOid == ANYARRAY || ARRAYS.contains(typeOid));
    }

    static boolean isJson(int typeOid) {
        return typeOid == JSON || typeOid == JSONB;
    }

    /** A JSON string literal holding {@code text}: a whole json value replaced by a strategy stays valid JSON. */
    static String jsonString(String text) {
        StringBuilder result = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> result.append("\\\"");
                case '\\' -> result.append("\\\\");
                case '\n' -> result.append("\\n");
                case '\r' -> result.append("\\r");
                case '\t' -> result.append("\\t");
                default -> {
                    if (c < 0x20) {
                        result.append(String.format("\\u%04x", (int) c));
                    } else {
                        result.append(c);
                    }
                }
            }
        }
        return result.append('"').toString();
    }
}
