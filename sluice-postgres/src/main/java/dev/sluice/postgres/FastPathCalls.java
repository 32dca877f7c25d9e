package dev.sluice.postgres;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.spi.Dialer;
import dev.sluice.postgres.wire.MalformedMessageException;

/**
 * The fast-path function call interface (FunctionCall, {@code 'F'}), which libpq's and pgjdbc's large-object
 * functions use: a call names its function by OID only. Sluice resolves the OID to the function's schema-qualified
 * name through the catalog (a small upstream connection of its own, opened on the session's first call and kept for
 * the session, so nothing is injected into the client's stream), and the relay judges and audits the call as the
 * statement {@code SELECT "schema"."name"($1, ..)} with the call's arguments as its parameters.
 * <p>
 * Fail closed: an OID the catalog does not know (a function created in the client's own uncommitted transaction, a
 * temporary one) or a catalog that cannot be asked refuses the call. Client-to-upstream thread only.
 */
final class FastPathCalls implements AutoCloseable {
    private static final int MAX_AUDITED_ARGUMENT = 1024;
    /** PostgreSQL's FUNC_MAX_ARGS. */
    private static final int MAX_ARGUMENTS = 100;

    private final CatalogConnection catalog;

    /** One decoded FunctionCall: the function's OID, its arguments (null for SQL NULL) and their format codes. */
    record Call(int oid, List<byte[]> arguments, short[] formats) {
        short format(int argument) {
            return formats.length == 0 ? 0 : formats.length == 1 ? formats[0] : formats[argument];
        }
    }

    /** What a call is judged and audited as. */
    record Resolved(String text, List<String> parameters) {
    }

    FastPathCalls(TargetGrant grant, Dialer dialer) {
        this.catalog = new CatalogConnection(grant, dialer, "sluice-catalog");
    }

    /**
     * <pre>
     * FunctionCall: int32 oid | int16 nformats | int16 format[nformats] | int16 nargs
     *               | (int32 length (-1: NULL) | byte[length])[nargs] | int16 resultFormat
     * </pre>
     */
    static Call decode(byte[] payload) {
        try {
            ByteBuffer b = ByteBuffer.wrap(payload);
            int oid = b.getInt();
            short[] formats = new short[b.getShort()];
            for (int i = 0; i < formats.length; i++) {
                formats[i] = b.getShort();
            }
            int count = b.getShort();
            if (count < 0 || count > MAX_ARGUMENTS || (formats.length > 1 && formats.length != count)) {
                throw new MalformedMessageException("FunctionCall with " + count + " arguments and "
                        + formats.length + " format codes");
            }
            List<byte[]> arguments = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = b.getInt();
                if (length < -1 || length > b.remaining()) {
                    throw new MalformedMessageException("FunctionCall argument length " + length);
                }
                byte[] value = null;
                if (length >= 0) {
                    value = new byte[length];
                    b.get(value);
                }
                arguments.add(value);
            }
            b.getShort(); // the result format: the server checks it
            if (b.hasRemaining()) {
                throw new MalformedMessageException("FunctionCall with trailing bytes");
            }
            return new Call(oid, arguments, formats);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new MalformedMessageException("truncated FunctionCall");
        }
    }

    /**
     * The statement {@code call} is judged as, or empty when the catalog knows no function with its OID.
     *
     * @throws IOException when the catalog cannot be asked (the caller refuses the call: fail closed)
     */
    Optional<Resolved> resolve(Call call) throws IOException {
        List<String[]> rows = catalog.query("select n.nspname, p.proname, p.proargtypes::text from pg_catalog.pg_proc p"
                + " join pg_catalog.pg_namespace n on n.oid = p.pronamespace where p.oid = "
                + Integer.toUnsignedString(call.oid()) + "::pg_catalog.oid", 2);
        if (rows.size() != 1) {
            return Optional.empty();
        }
        String[] row = rows.getFirst();
        String[] types = row[2].isBlank() ? new String[0] : row[2].strip().split(" ");
        StringBuilder text = new StringBuilder("SELECT ").append(identifier(row[0])).append('.')
                .append(identifier(row[1])).append('(');
        List<String> parameters = new ArrayList<>();
        for (int i = 0; i < call.arguments().size(); i++) {
            text.append(i == 0 ? "" : ", ").append('$').append(i + 1);
            int type = i < types.length ? Integer.parseUnsignedInt(types[i]) : 0;
            byte[] value = call.arguments().get(i);
            parameters.add(value == null ? "NULL" : render(value, call.format(i), type));
        }
        return Optional.of(new Resolved(text.append(')').toString(), parameters));
    }

    private static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Text as sent; binary values of common types as their text form (see {@link BinaryParameters}), else hex. */
    private static String render(byte[] value, short format, int type) {
        if (format != 0 && !BinaryParameters.isText(type)) {
            Optional<String> decoded = BinaryParameters.render(type, value);
            if (decoded.isPresent()) {
                return decoded.get();
            }
        }
        int length = Math.min(value.length, MAX_AUDITED_ARGUMENT);
        String text = format == 0 || BinaryParameters.isText(type)
                ? new String(value, 0, length, StandardCharsets.UTF_8)
                : "\\x" + HexFormat.of().formatHex(value, 0, length);
        return value.length > MAX_AUDITED_ARGUMENT ? text + "…(" + value.length + " bytes)" : text;
    }

    @Override
    public void close() {
        catalog.close();
    }
}
