package dev.sluice.relay;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;

/**
 * The relay protocol on gRPC: four methods of service {@code sluice.relay.v1.Relay}, described by hand with a byte
 * marshaller (no protoc step in the build: the payloads are one JSON control record per message, or raw bytes on a
 * tunnel). gRPC does the framing, the multiplexing, the per-stream flow control and the keepalives.
 *
 * <ul>
 *   <li>{@code Enroll} (unary, no client certificate): {@link EnrollRequest} → {@link Certificate}.</li>
 *   <li>{@code Renew} (unary, the relay's certificate): {@link RenewRequest} → {@link Certificate}.</li>
 *   <li>{@code Control} (bidirectional, one per relay, long-lived): {@link Control} records both ways.</li>
 *   <li>{@code Tunnel} (bidirectional, one per upstream connection, opened by the relay when the gateway asked on
 *       {@code Control}): the relay's first message is a {@link TunnelHeader}, then raw bytes both ways.</li>
 * </ul>
 */
final class RelayWire {
    static final String SERVICE = "sluice.relay.v1.Relay";
    /** The largest gRPC message either side accepts: a control record or a data chunk. */
    static final int MAX_MESSAGE = 256 * 1024;
    /** Data chunks on a tunnel. */
    static final int CHUNK = 32 * 1024;
    /** The name the gateway's relay certificate carries and the relay checks (the CA is the gateway's own). */
    static final String GATEWAY_NAME = "sluice-gateway";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> ENROLL = method("Enroll", MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> RENEW = method("Renew", MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> CONTROL = method("Control", MethodType.BIDI_STREAMING);
    static final MethodDescriptor<byte[], byte[]> TUNNEL = method("Tunnel", MethodType.BIDI_STREAMING);

    private RelayWire() {
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    static byte[] encode(Object message) {
        try {
            return JSON.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** Decodes a control record; a peer's message that does not parse is a protocol error, never a crash. */
    static <T> T decode(byte[] bytes, Class<T> type) throws IOException {
        if (bytes.length > MAX_MESSAGE) {
            throw new IOException("relay message too large (expected: <= " + MAX_MESSAGE + " bytes)");
        }
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new IOException("unreadable relay " + type.getSimpleName() + " message", e);
        }
    }

    /** A join token and the relay's certificate signing request (PKCS#10, DER, base64). */
    record EnrollRequest(String token, String csr) {
    }

    /** A renewal: a new signing request, authenticated by the relay's current certificate. */
    record RenewRequest(String csr) {
    }

    /** The relay's certificate and the gateway CA's, PEM; the relay's id and group as the certificate names them. */
    record Certificate(String certificate, String ca, String relayId, String group) {
    }

    /**
     * One control record. Relay → gateway: {@code hello} (its group as its config says, the connections it serves),
     * {@code heartbeat}. Gateway → relay: {@code welcome} (its id), {@code open} (a tunnel is wanted: {@code id},
     * {@code connection}, {@code purpose}, {@code parameters}), {@code refused} ({@code error}, then the stream ends).
     */
    record Control(String type, String id, String group, String connection, String purpose,
                   Map<String, String> parameters, java.util.List<String> connections, String error) {
        static Control hello(String group, java.util.List<String> connections) {
            return new Control("hello", null, group, null, null, null, connections, null);
        }

        static Control heartbeat() {
            return new Control("heartbeat", null, null, null, null, null, null, null);
        }

        static Control welcome(String relayId) {
            return new Control("welcome", relayId, null, null, null, null, null, null);
        }

        static Control open(String id, String connection, String purpose, Map<String, String> parameters) {
            return new Control("open", id, null, connection, purpose, parameters, null, null);
        }

        static Control refused(String error) {
            return new Control("refused", null, null, null, null, null, null, error);
        }
    }

    /** The relay's first message on a tunnel: which {@code open} it answers, and whether the upstream is open. */
    record TunnelHeader(String id, boolean ok, String error) {
    }
}
