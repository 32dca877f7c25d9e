package dev.sluice.postgres.wire;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.core.Secret;

/**
 * A message sent by the client (frontend) to the server, named as in the PostgreSQL protocol v3 spec. Each
 * record encodes itself with {@link #toFrame()}; {@link #decodeStartup(Frame)} and {@link #decode(Frame)}
 * decode, consuming exactly the payload. Layouts (after the type byte and Int32 length) are on each record;
 * {@code String} is NUL-terminated UTF-8 ({@link PgStrings}). Byte arrays are shared, not copied.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public sealed interface FrontendMessage {
    Frame toFrame();

    /** Decodes an untyped startup-phase frame: StartupMessage, SSLRequest, GSSENCRequest or CancelRequest. */
    static FrontendMessage decodeStartup(Frame frame) {
        return FrontendDecoder.decodeStartup(frame);
    }

    /** Decodes a typed frame sent after startup; an unknown type raises {@link MalformedMessageException}. */
    static FrontendMessage decode(Frame frame) {
        return FrontendDecoder.decode(frame);
    }

    /**
     * As {@link #decode(Frame)}, with every string (SQL text, statement and portal names) decoded strictly in
     * {@code charset}, the session's client encoding; encoding ({@link #toFrame()}) stays UTF-8.
     */
    static FrontendMessage decode(Frame frame, java.nio.charset.Charset charset) {
        return FrontendDecoder.decode(frame, charset);
    }

    /** Same as {@link PasswordMessage#passwordText(PasswordMessage)}. */
    static String passwordText(PasswordMessage message) {
        return PasswordMessage.passwordText(message);
    }

    /** Same as {@link PasswordMessage#saslInitialResponse(String, byte[])}. */
    static PasswordMessage saslInitialResponse(String mechanism, byte[] data) {
        return PasswordMessage.saslInitialResponse(mechanism, data);
    }

    /** Same as {@link PasswordMessage#saslResponse(byte[])}. */
    static PasswordMessage saslResponse(byte[] data) {
        return PasswordMessage.saslResponse(data);
    }

    /**
     * {@code | int32 protocolVersion (major << 16 | minor) | (String name, String value)* | 0x00 |}.
     * The parameters keep their wire order; a repeated name is rejected on decode (the gateway and the server
     * must not disagree on which {@code user} counts).
     */
    record StartupMessage(int protocolVersion, Map<String, String> parameters) implements FrontendMessage {
        /** Protocol 3.0, the version this codec speaks. */
        public static final int PROTOCOL_3_0 = 3 << 16;

        public StartupMessage {
            parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }

        /** A protocol 3.0 startup message. */
        public static StartupMessage v3(Map<String, String> parameters) {
            return new StartupMessage(PROTOCOL_3_0, parameters);
        }

        public int majorVersion() {
            return protocolVersion >>> 16;
        }

        public int minorVersion() {
            return protocolVersion & 0xffff;
        }

        @Override
        public Frame toFrame() {
            PayloadWriter w = new PayloadWriter().writeInt32(protocolVersion);
            parameters.forEach((name, value) -> {
                if (name.isEmpty()) {
                    throw new WireException("a startup parameter name must not be empty");
                }
                w.writeCString(name).writeCString(value);
            });
            return w.writeByte(0).toUntypedFrame();
        }
    }

    /** {@code | int32 80877103 |}: asks the server to switch to TLS. */
    record SSLRequest() implements FrontendMessage {
        public static final int CODE = 1234 << 16 | 5679;

        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeInt32(CODE).toUntypedFrame();
        }
    }

    /** {@code | int32 80877104 |}: asks the server to switch to GSSAPI encryption. */
    record GSSENCRequest() implements FrontendMessage {
        public static final int CODE = 1234 << 16 | 5680;

        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeInt32(CODE).toUntypedFrame();
        }
    }

    /**
     * {@code | int32 80877102 | int32 processId | int32 secretKey |}. Protocol 3.2's longer keys are rejected
     * on decode: this codec negotiates 3.0, where the key is 4 bytes.
     */
    record CancelRequest(int processId, int secretKey) implements FrontendMessage {
        public static final int CODE = 1234 << 16 | 5678;

        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeInt32(CODE).writeInt32(processId).writeInt32(secretKey).toUntypedFrame();
        }

        @Override
        public String toString() {
            return "CancelRequest[processId=" + processId + ", secretKey=****]";
        }
    }

    /**
     * {@code 'p' | bytes data |}: a password, SASLInitialResponse or SASLResponse. The three share one type
     * byte and only the authentication exchange tells them apart, so {@link #decode(Frame)} keeps the raw
     * bytes; the static helpers below read and build each form. {@link #toString()} hides the data.
     *
     * <pre>
     * password:             | String password |
     * SASLInitialResponse:  | String mechanism | int32 n (-1 = no data) | bytes data * n |
     * SASLResponse:         | bytes data |
     * </pre>
     */
    record PasswordMessage(byte[] data) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'p', data);
        }

        /** A password message carrying {@code password} in clear text. */
        public static PasswordMessage cleartext(Secret password) {
            return new PasswordMessage(PgStrings.cstring(password.reveal()));
        }

        /** The password text: the data minus its NUL terminator, which must be its last and only NUL. */
        public static String passwordText(PasswordMessage message) {
            byte[] data = message.data();
            int end = PgStrings.indexOfNul(data, 0, data.length);
            if (end != data.length - 1) {
                throw new MalformedMessageException("password message has " + (data.length - 1 - end)
                        + " bytes after the NUL terminator (expected: 0)");
            }
            return PgStrings.utf8(data, 0, end);
        }

        public static PasswordMessage saslInitialResponse(String mechanism, byte[] data) {
            return new PasswordMessage(new PayloadWriter(data.length + 32).writeCString(mechanism)
                    .writeNullableBytes(data).toBytes());
        }

        public static PasswordMessage saslResponse(byte[] data) {
            return new PasswordMessage(data);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PasswordMessage message && Arrays.equals(message.data, data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "PasswordMessage[" + data.length + " bytes]";
        }
    }

    /** {@code 'Q' | String sql |} */
    record Query(String sql) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter(sql.length() + 1).writeCString(sql).toFrame('Q');
        }
    }

    /** {@code 'P' | String name | String query | int16 n | int32 parameterType * n |} (0 = unspecified type) */
    record Parse(String name, String query, int[] parameterTypes) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            PayloadWriter w = new PayloadWriter(query.length() + 16).writeCString(name).writeCString(query)
                    .writeCount16(parameterTypes.length, "Parse parameter types");
            for (int type : parameterTypes) {
                w.writeInt32(type);
            }
            return w.toFrame('P');
        }
    }

    /**
     * {@code 'B' | String portal | String statement | int16 nf | int16 parameterFormat * nf |
     * int16 np | (int32 len (-1 = NULL) | bytes * len) * np | int16 nr | int16 resultFormat * nr |}.
     * A {@code null} entry in {@code parameters} is SQL NULL.
     */
    record Bind(String portal, String statement, short[] parameterFormats, byte[][] parameters,
                short[] resultFormats) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            PayloadWriter w = new PayloadWriter(256).writeCString(portal).writeCString(statement);
            writeFormats(w, parameterFormats, "Bind parameter formats");
            w.writeCount16(parameters.length, "Bind parameters");
            for (byte[] value : parameters) {
                w.writeNullableBytes(value);
            }
            writeFormats(w, resultFormats, "Bind result formats");
            return w.toFrame('B');
        }

        private static void writeFormats(PayloadWriter w, short[] formats, String what) {
            w.writeCount16(formats.length, what);
            for (short format : formats) {
                w.writeInt16(format);
            }
        }
    }

    /** {@code 'D' | byte target ('S' statement, 'P' portal) | String name |} */
    record Describe(byte target, String name) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeByte(target).writeCString(name).toFrame('D');
        }
    }

    /** {@code 'E' | String portal | int32 maxRows (0 = no limit) |} */
    record Execute(String portal, int maxRows) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeCString(portal).writeInt32(maxRows).toFrame('E');
        }
    }

    /** {@code 'S' |} (empty payload) */
    record Sync() implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'S', new byte[0]);
        }
    }

    /** {@code 'H' |} (empty payload) */
    record Flush() implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'H', new byte[0]);
        }
    }

    /** {@code 'C' | byte target ('S' statement, 'P' portal) | String name |} */
    record Close(byte target, String name) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeByte(target).writeCString(name).toFrame('C');
        }
    }

    /** {@code 'd' | bytes data |} */
    record CopyData(byte[] data) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'd', data);
        }
    }

    /** {@code 'c' |} (empty payload) */
    record CopyDone() implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'c', new byte[0]);
        }
    }

    /** {@code 'f' | String message |} */
    record CopyFail(String message) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new PayloadWriter().writeCString(message).toFrame('f');
        }
    }

    /** {@code 'X' |} (empty payload) */
    record Terminate() implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'X', new byte[0]);
        }
    }

    /** {@code 'F' | payload |}, kept raw: the legacy fast-path function call. */
    record FunctionCall(byte[] payload) implements FrontendMessage {
        @Override
        public Frame toFrame() {
            return new Frame((byte) 'F', payload);
        }
    }
}
