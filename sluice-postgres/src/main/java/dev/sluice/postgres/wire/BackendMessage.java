package dev.sluice.postgres.wire;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A message sent by the server (backend) to the client, named as in the PostgreSQL protocol v3 spec. Each
 * record encodes itself with {@link #toFrame()}; {@link #decode(Frame)} decodes, consuming exactly the
 * payload. Layouts (after the type byte and Int32 length) are on each record; {@code String} is
 * NUL-terminated UTF-8 ({@link PgStrings}). Byte arrays are shared, not copied.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public sealed interface BackendMessage {
    Frame toFrame();

    /** Decodes a backend frame; an unknown type raises {@link MalformedMessageException}. */
    static BackendMessage decode(Frame frame) {
        return BackendDecoder.decode(frame);
    }

    /** The {@code 'R'} family: {@code 'R' | int32 code | code-specific data |}. */
    sealed interface Authentication extends BackendMessage {
        int OK = 0;
        int CLEARTEXT_PASSWORD = 3;
        int MD5_PASSWORD = 5;
        int SASL = 10;
        int SASL_CONTINUE = 11;
        int SASL_FINAL = 12;

        private static Frame frame(int code, byte[] data) {
            return new PayloadWriter(4 + data.length).writeInt32(code).writeBytes(data).toFrame('R');
        }
    }

    /** {@code 'R' | int32 0 |} */
    record AuthenticationOk() implements Authentication {
        @Override
        public Frame toFrame() {
            return Authentication.frame(OK, new byte[0]);
        }
    }

    /** {@code 'R' | int32 3 |} */
    record AuthenticationCleartextPassword() implements Authentication {
        @Override
        public Frame toFrame() {
            return Authentication.frame(CLEARTEXT_PASSWORD, new byte[0]);
        }
    }

    /** {@code 'R' | int32 5 | bytes salt * 4 |} */
    record AuthenticationMD5Password(byte[] salt) implements Authentication {
        public AuthenticationMD5Password {
            if (salt.length != 4) {
                throw new WireException("MD5 salt of " + salt.length + " bytes (expected: 4)");
            }
        }

        @Override
        public Frame toFrame() {
            return Authentication.frame(MD5_PASSWORD, salt);
        }
    }

    /** {@code 'R' | int32 10 | (String mechanism)* | 0x00 |} */
    record AuthenticationSASL(List<String> mechanisms) implements Authentication {
        public AuthenticationSASL {
            mechanisms = List.copyOf(mechanisms);
        }

        @Override
        public Frame toFrame() {
            PayloadWriter w = new PayloadWriter().writeInt32(SASL);
            for (String mechanism : mechanisms) {
                if (mechanism.isEmpty()) {
                    throw new WireException("a SASL mechanism name must not be empty");
                }
                w.writeCString(mechanism);
            }
            return w.writeByte(0).toFrame('R');
        }
    }

    /** {@code 'R' | int32 11 | bytes data |}: the SCRAM server-first-message. */
    record AuthenticationSASLContinue(byte[] data) implements Authentication {
        @Override
        public Frame toFrame() {
            return Authentication.frame(SASL_CONTINUE, data);
        }
    }

    /** {@code 'R' | int32 12 | bytes data |}: the SCRAM server-final-message. */
    record AuthenticationSASLFinal(byte[] data) implements Authentication {
        @Override
        public Frame toFrame() {
            return Authentication.frame(SASL_FINAL, data);
        }
    }

    /** {@code 'R' | int32 code | bytes data |} for the codes without a record: KerberosV5, GSS, SSPI, ... */
    record AuthenticationOther(int code, byte[] data) implements Authentication {
        private static final Set<Integer> KNOWN = Set.of(OK, CLEARTEXT_PASSWORD, MD5_PASSWORD, SASL, SASL_CONTINUE,
                SASL_FINAL);

        public AuthenticationOther {
            if (KNOWN.contains(code)) {
                throw new WireException("authentication code " + code + " has its own record (expected: another code)");
            }
        }

        @Override
        public Frame toFrame() {
            return Authentication.frame(code, data);
        }
    }

    /** {@code 'K' | int32 processId | int32 secretKey |} (protocol 3.0; 3.2's longer keys are rejected) */
    record BackendKeyData(int processId, int secretKey) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter(8).writeInt32(processId).writeInt32(secretKey).toFrame('K');
        }

        @Override
        public String toString() {
            return "BackendKeyData[processId=" + processId + ", secretKey=****]";
        }
    }

    /** {@code 'S' | String name | String value |} */
    record ParameterStatus(String name, String value) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeCString(name).writeCString(value).toFrame('S');
        }
    }

    /** {@code 'Z' | byte status |}: 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
    record ReadyForQuery(byte status) implements BackendMessage {
        public static final byte IDLE = 'I';
        public static final byte IN_TRANSACTION = 'T';
        public static final byte FAILED_TRANSACTION = 'E';

        public ReadyForQuery {
            if (status != IDLE && status != IN_TRANSACTION && status != FAILED_TRANSACTION) {
                throw new MalformedMessageException("transaction status " + FrontendDecoder.describe(status)
                        + " (expected: 'I', 'T' or 'E')");
            }
        }

        @Override
        public Frame toFrame() {
            return new Frame((byte) 'Z', new byte[] {status});
        }
    }

    /**
     * {@code 'E' | (byte code | String value)* | 0x00 |}. Field order is kept. Accessors return "" for a field
     * the server did not send (S, V (9.6+), C and M are always present from PostgreSQL).
     */
    record ErrorResponse(Map<Character, String> fields) implements BackendMessage {
        public ErrorResponse {
            fields = NoticeFields.copy(fields);
        }

        /** An error with fields S and V = {@code severity}, C = {@code sqlState}, M = {@code message}. */
        public static ErrorResponse of(String severity, String sqlState, String message) {
            return new ErrorResponse(NoticeFields.of(severity, sqlState, message));
        }

        public String severity() {
            return NoticeFields.get(fields, 'S');
        }

        public String sqlState() {
            return NoticeFields.get(fields, 'C');
        }

        public String message() {
            return NoticeFields.get(fields, 'M');
        }

        @Override
        public Frame toFrame() {
            return new Frame((byte) 'E', NoticeFields.encode(fields));
        }
    }

    /** {@code 'N' | (byte code | String value)* | 0x00 |}; the fields of {@link ErrorResponse}. */
    record NoticeResponse(Map<Character, String> fields) implements BackendMessage {
        public NoticeResponse {
            fields = NoticeFields.copy(fields);
        }

        /** A notice with fields S and V = {@code severity}, C = {@code sqlState}, M = {@code message}. */
        public static NoticeResponse of(String severity, String sqlState, String message) {
            return new NoticeResponse(NoticeFields.of(severity, sqlState, message));
        }

        public String severity() {
            return NoticeFields.get(fields, 'S');
        }

        public String sqlState() {
            return NoticeFields.get(fields, 'C');
        }

        public String message() {
            return NoticeFields.get(fields, 'M');
        }

        @Override
        public Frame toFrame() {
            return new Frame((byte) 'N', NoticeFields.encode(fields));
        }
    }

    /**
     * {@code 'T' | int16 n | (String name | int32 tableOid | int16 columnAttr | int32 typeOid | int16 typeSize |
     * int32 typeModifier | int16 format) * n |}
     */
    record RowDescription(List<Field> fields) implements BackendMessage {
        /** One column; {@code tableOid}/{@code columnAttr} are 0 when the column is not a table column. */
        public record Field(String name, int tableOid, short columnAttr, int typeOid, short typeSize,
                            int typeModifier, short format) {
        }

        public RowDescription {
            fields = List.copyOf(fields);
        }

        @Override
        public Frame toFrame() {
            PayloadWriter w = new PayloadWriter(2 + fields.size() * 32).writeCount16(fields.size(), "RowDescription");
            for (Field f : fields) {
                w.writeCString(f.name()).writeInt32(f.tableOid()).writeInt16(f.columnAttr()).writeInt32(f.typeOid())
                        .writeInt16(f.typeSize()).writeInt32(f.typeModifier()).writeInt16(f.format());
            }
            return w.toFrame('T');
        }
    }

    /** {@code 'D' | int16 n | (int32 len (-1 = NULL) | bytes * len) * n |}; a {@code null} value is SQL NULL. */
    record DataRow(byte[][] values) implements BackendMessage {
        @Override
        public Frame toFrame() {
            int size = 2;
            for (byte[] value : values) {
                size += 4 + (value == null ? 0 : value.length);
            }
            PayloadWriter w = new PayloadWriter(size).writeCount16(values.length, "DataRow");
            for (byte[] value : values) {
                w.writeNullableBytes(value);
            }
            return w.toFrame('D');
        }
    }

    /** {@code 'C' | String tag |}, e.g. "INSERT 0 5", "SELECT 3", "CREATE TABLE". */
    record CommandComplete(String tag) implements BackendMessage {
        private static final Set<String> COUNTED = Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "COPY",
                "FETCH", "MOVE");

        /** The row count in the tag ("INSERT 0 5" gives 5, "SELECT 3" gives 3), or -1 if the tag has none. */
        public long rows() {
            String[] words = tag.split(" ", -1);
            int expectedWords = "INSERT".equals(words[0]) ? 3 : 2;
            if (!COUNTED.contains(words[0]) || words.length != expectedWords) {
                return -1;
            }
            String count = words[words.length - 1];
            if (count.isEmpty() || !count.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return -1;
            }
            try {
                return Long.parseLong(count);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeCString(tag).toFrame('C');
        }
    }

    /** {@code 'I' |} */
    record EmptyQueryResponse() implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'I', new byte[0]);
        }
    }

    /** {@code '1' |} */
    record ParseComplete() implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) '1', new byte[0]);
        }
    }

    /** {@code '2' |} */
    record BindComplete() implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) '2', new byte[0]);
        }
    }

    /** {@code '3' |} */
    record CloseComplete() implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) '3', new byte[0]);
        }
    }

    /** {@code 'n' |} */
    record NoData() implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'n', new byte[0]);
        }
    }

    /** {@code 's' |} */
    record PortalSuspended() implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 's', new byte[0]);
        }
    }

    /** {@code 't' | int16 n | int32 typeOid * n |} */
    record ParameterDescription(int[] types) implements BackendMessage {
        @Override
        public Frame toFrame() {
            PayloadWriter w = new PayloadWriter(2 + 4 * types.length).writeCount16(types.length, "ParameterDescription");
            for (int type : types) {
                w.writeInt32(type);
            }
            return w.toFrame('t');
        }
    }

    /** {@code 'G' | int8 format (0 text, 1 binary) | int16 n | int16 columnFormat * n |} */
    record CopyInResponse(byte format, short[] columnFormats) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return BackendDecoder.copyResponse('G', format, columnFormats);
        }
    }

    /** {@code 'H' | int8 format | int16 n | int16 columnFormat * n |} */
    record CopyOutResponse(byte format, short[] columnFormats) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return BackendDecoder.copyResponse('H', format, columnFormats);
        }
    }

    /** {@code 'W' | int8 format | int16 n | int16 columnFormat * n |} */
    record CopyBothResponse(byte format, short[] columnFormats) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return BackendDecoder.copyResponse('W', format, columnFormats);
        }
    }

    /** {@code 'd' | bytes data |} */
    record CopyData(byte[] data) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'd', data);
        }
    }

    /** {@code 'c' |} */
    record CopyDone() implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'c', new byte[0]);
        }
    }

    /** {@code 'A' | int32 processId | String channel | String payload |} */
    record NotificationResponse(int processId, String channel, String payload) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeInt32(processId).writeCString(channel).writeCString(payload).toFrame('A');
        }
    }

    /** {@code 'v' | int32 newestMinor | int32 n | String unrecognizedOption * n |} */
    record NegotiateProtocolVersion(int minor, List<String> options) implements BackendMessage {
        public NegotiateProtocolVersion {
            options = List.copyOf(options);
        }

        @Override
        public Frame toFrame() {
            PayloadWriter w = new PayloadWriter().writeInt32(minor).writeInt32(options.size());
            options.forEach(w::writeCString);
            return w.toFrame('v');
        }
    }

    /** {@code 'V' | payload |}, kept raw: the result of a legacy {@link FrontendMessage.FunctionCall}. */
    record FunctionCallResponse(byte[] payload) implements BackendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'V', payload);
        }
    }
}
