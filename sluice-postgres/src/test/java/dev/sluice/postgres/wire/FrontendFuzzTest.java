package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz targets for what a client sends before and after authentication: {@link FrameReader} and
 * {@link FrontendMessage#decodeStartup}/{@link FrontendMessage#decode}. Seeds (captured psql and pgbench sessions,
 * and known nasty messages) are in
 * {@code src/test/resources/dev/sluice/postgres/wire/FrontendFuzzTestInputs/<target>/}; the suite replays them,
 * {@code bench/fuzz.sh} fuzzes.
 *
 * <p>The contract checked on every input:
 * <ul>
 *   <li>bad bytes raise a {@link WireException} subclass ({@link MalformedMessageException},
 *       {@link FrameTooLargeException}) and nothing else; {@link EOFException} only at a message boundary;</li>
 *   <li>no frame is larger than the reader's limit, and reading and decoding allocate within
 *       {@link FuzzContract#FIXED_ALLOWANCE} + {@link FuzzContract#PER_BYTE_ALLOWANCE} per input byte;</li>
 *   <li>every decoded message re-encodes to the very same frame, and that frame decodes to the same message.</li>
 * </ul>
 */
class FrontendFuzzTest {
    /** The reader limit in these targets: small enough that the fuzzer reaches "too large". */
    static final int MAX_MESSAGE = 64 * 1024;
    /** The number of messages read from one input: bounds the work per input. */
    static final int MAX_MESSAGES = 64;

    /** One decoded message. */
    record Decoded(Frame frame, FrontendMessage message, boolean startup) {
    }

    /**
     * One client connection: startup-phase packets (SSLRequest, GSSENCRequest, CancelRequest) until a
     * StartupMessage, then typed messages until the end. The first input byte chooses how the bytes are split
     * across reads.
     */
    @FuzzTest(maxDuration = "10s")
    void clientConnection(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        List<Decoded> decoded = new ArrayList<>(MAX_MESSAGES);
        int[] leftAtEof = {-1};
        FuzzContract.assertAllocationBounded(data.length, "reading a client connection", () -> {
            decoded.clear();
            leftAtEof[0] = readConnection(data, decoded);
        });
        if (leftAtEof[0] >= 0) {
            assertThat(leftAtEof[0]).as("end of stream reported only between messages").isZero();
        }
        for (Decoded d : decoded) {
            assertThat(d.frame().declaredLength()).isLessThanOrEqualTo(d.startup() ? FrameReader.MAX_STARTUP_LENGTH
                    : MAX_MESSAGE);
            assertRoundTrip(d.frame(), d.message(), d.startup());
        }
    }

    /**
     * Reads and decodes messages into {@code result} until the end, a refusal or {@link #MAX_MESSAGES}; returns the
     * bytes left unread when the reader reported the end of the stream, else -1.
     */
    private static int readConnection(byte[] data, List<Decoded> result) throws Exception {
        InputStream in = FuzzContract.chunked(FuzzContract.drop(data, 1), data[0] & 0x0f);
        FrameReader reader = new FrameReader(in, MAX_MESSAGE);
        boolean started = false;
        for (int i = 0; i < MAX_MESSAGES; i++) {
            try {
                Frame frame = started ? reader.read() : reader.readStartup();
                FrontendMessage message = started ? FrontendMessage.decode(frame)
                        : FrontendMessage.decodeStartup(frame);
                result.add(new Decoded(frame, message, !started));
                started = started || message instanceof FrontendMessage.StartupMessage;
            } catch (EOFException e) {
                return in.available();
            } catch (WireException e) {
                return -1;
            }
        }
        return -1;
    }

    /** One typed message: the first byte is the type, the rest the payload. */
    @FuzzTest(maxDuration = "10s")
    void typedMessage(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        Frame frame = new Frame(data[0], FuzzContract.drop(data, 1));
        List<FrontendMessage> decoded = new ArrayList<>(1);
        FuzzContract.assertAllocationBounded(data.length, "decoding a message", () -> {
            decoded.clear();
            try {
                decoded.add(FrontendMessage.decode(frame));
            } catch (WireException e) {
                // refused, as bad bytes must be
            }
        });
        if (!decoded.isEmpty()) {
            assertRoundTrip(frame, decoded.getFirst(), false);
        }
    }

    /**
     * Encodes {@code message} again: the same frame, which decodes to a message encoding to that frame again. For a
     * PasswordMessage, also reads it the way authentication does.
     */
    static void assertRoundTrip(Frame frame, FrontendMessage message, boolean startup) {
        Frame encoded = message.toFrame();
        assertThat(encoded).as("re-encoded %s", message).isEqualTo(frame);
        FrontendMessage again = startup ? FrontendMessage.decodeStartup(encoded) : FrontendMessage.decode(encoded);
        assertThat(again.getClass()).isEqualTo(message.getClass());
        assertThat(again.toFrame()).isEqualTo(frame);
        assertThat(FuzzContract.wire(frame)).hasSize(frame.wireLength());
        if (message instanceof FrontendMessage.PasswordMessage password) {
            try {
                String text = FrontendMessage.passwordText(password);
                assertThat(PgStrings.cstring(text)).isEqualTo(password.data());
            } catch (WireException e) {
                // a password with bytes after its NUL, no NUL, or invalid UTF-8: refused, as it must be
            }
        }
    }
}
