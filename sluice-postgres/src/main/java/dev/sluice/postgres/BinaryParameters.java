package dev.sluice.postgres;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * Renders a bound parameter sent in binary format as the text an auditor expects ({@code 42}, not
 * {@code \x0000002a}), for the common types whose binary layout is fixed; the type is the OID the client declared in
 * Parse. Anything else (an undeclared type, an unknown one, or a length that does not fit the type) is empty, and
 * the caller falls back to hex. Text types are rendered by the caller (see {@link #isText}). Pure and thread-safe.
 */
final class BinaryParameters {
    private static final LocalDateTime PG_EPOCH = LocalDateTime.of(2000, 1, 1, 0, 0);
    private static final LocalDate PG_EPOCH_DATE = LocalDate.of(2000, 1, 1);

    private BinaryParameters() {
    }

    /** Types whose binary form is their text in the client encoding (UTF-8 here): char, name, text, json, bpchar, varchar. */
    static boolean isText(int typeOid) {
        return switch (typeOid) {
            case 18, 19, 25, 114, 1042, 1043 -> true;
            default -> false;
        };
    }

    static Optional<String> render(int typeOid, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        return Optional.ofNullable(switch (typeOid) {
            case 16 -> value.length == 1 ? (value[0] != 0 ? "true" : "false") : null;
            case 21 -> value.length == 2 ? Short.toString(b.getShort()) : null;
            case 23 -> value.length == 4 ? Integer.toString(b.getInt()) : null;
            case 26 -> value.length == 4 ? Integer.toUnsignedString(b.getInt()) : null;
            case 20 -> value.length == 8 ? Long.toString(b.getLong()) : null;
            case 700 -> value.length == 4 ? Float.toString(b.getFloat()) : null;
            case 701 -> value.length == 8 ? Double.toString(b.getDouble()) : null;
            case 2950 -> value.length == 16 ? new UUID(b.getLong(), b.getLong()).toString() : null;
            case 1700 -> numeric(b, value.length);
            case 1082 -> value.length == 4 ? date(b.getInt()) : null;
            case 1114 -> value.length == 8 ? timestamp(b.getLong(), "") : null;
            case 1184 -> value.length == 8 ? timestamp(b.getLong(), "Z") : null;
            default -> null;
        });
    }

    /**
     * <pre>
     * numeric: int16 ndigits | int16 weight | int16 sign | int16 dscale | int16 digit[ndigits] (base 10000)
     * </pre>
     */
    private static String numeric(ByteBuffer b, int length) {
        if (length < 8) {
            return null;
        }
        int digits = b.getShort();
        int weight = b.getShort();
        int sign = b.getShort() & 0xFFFF;
        int scale = b.getShort();
        if (digits < 0 || length != 8 + 2 * digits || scale < 0) {
            return null;
        }
        switch (sign) {
            case 0xC000 -> {
                return "NaN";
            }
            case 0xD000 -> {
                return "Infinity";
            }
            case 0xF000 -> {
                return "-Infinity";
            }
            case 0x0000, 0x4000 -> { }
            default -> {
                return null;
            }
        }
        BigDecimal result = BigDecimal.ZERO;
        for (int i = 0; i < digits; i++) {
            result = result.add(BigDecimal.valueOf(b.getShort()).scaleByPowerOfTen(4 * (weight - i)));
        }
        result = result.setScale(scale, RoundingMode.DOWN);
        return (sign == 0x4000 ? result.negate() : result).toPlainString();
    }

    private static String date(int days) {
        return switch (days) {
            case Integer.MAX_VALUE -> "infinity";
            case Integer.MIN_VALUE -> "-infinity";
            default -> PG_EPOCH_DATE.plusDays(days).toString();
        };
    }

    private static String timestamp(long micros, String zone) {
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            return micros > 0 ? "infinity" : "-infinity";
        }
        return PG_EPOCH.plus(micros, ChronoUnit.MICROS) + zone;
    }
}
