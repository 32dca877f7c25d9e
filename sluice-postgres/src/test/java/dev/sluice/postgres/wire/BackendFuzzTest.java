package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz targets for what the upstream server sends: {@link FrameReader#read()} and
 * {@link BackendMessage#decode}, plus the accessors the relay calls on decoded messages. Seeds (captured psql and
 * pgbench sessions against PostgreSQL 15, and known nasty messages) are in
 * {@code src/test/resources/dev/sluice/postgres/wire/BackendFuzzTestInputs/<target>/}.
 *
 * <p>The contract is that of {@link FrontendFuzzTest}: only {@link WireException}s, {@link EOFException} only
 * between messages, bounded allocation, and a round trip to the same frame (an ErrorResponse or NoticeResponse
 * repeating a field code is refused: masking would judge one value and the client show another).
 */
class BackendFuzzTest {
    /** A server's byte stream: typed messages until the end; the first byte chooses how reads are split. */
    @FuzzTest(maxDuration = "10s")
    void serverStream(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        List<Frame> frames = new ArrayList<>(FrontendFuzzTest.MAX_MESSAGES);
        List<BackendMessage> messages = new ArrayList<>(FrontendFuzzTest.MAX_MESSAGES);
        int[] leftAtEof = {-1};
        FuzzContract.assertAllocationBounded(data.length, "reading a server stream", () -> {
            frames.clear();
            messages.clear();
            leftAtEof[0] = readStream(data, frames, messages);
        });
        if (leftAtEof[0] >= 0) {
            assertThat(leftAtEof[0]).as("end of stream reported only between messages").isZero();
        }
        for (int i = 0; i < frames.size(); i++) {
            assertThat(frames.get(i).declaredLength()).isLessThanOrEqualTo(FrontendFuzzTest.MAX_MESSAGE);
            assertRoundTrip(frames.get(i), messages.get(i));
        }
    }

    private static int readStream(byte[] data, List<Frame> frames, List<BackendMessage> messages) throws Exception {
        InputStream in = FuzzContract.chunked(FuzzContract.drop(data, 1), data[0] & 0x0f);
        FrameReader reader = new FrameReader(in, FrontendFuzzTest.MAX_MESSAGE);
        for (int i = 0; i < FrontendFuzzTest.MAX_MESSAGES; i++) {
            try {
                Frame frame = reader.read();
                messages.add(BackendMessage.decode(frame));
                frames.add(frame);
            } catch (EOFException e) {
                return in.available();
            } catch (WireException e) {
                return -1;
            }
        }
        return -1;
    }

    /** One message: the first byte is the type, the rest the payload. */
    @FuzzTest(maxDuration = "10s")
    void typedMessage(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        Frame frame = new Frame(data[0], FuzzContract.drop(data, 1));
        List<BackendMessage> decoded = new ArrayList<>(1);
        FuzzContract.assertAllocationBounded(data.length, "decoding a message", () -> {
            decoded.clear();
            try {
                decoded.add(BackendMessage.decode(frame));
            } catch (WireException e) {
                // refused, as bad bytes must be
            }
        });
        if (!decoded.isEmpty()) {
            assertRoundTrip(frame, decoded.getFirst());
        }
    }

    static void assertRoundTrip(Frame frame, BackendMessage message) {
        Frame encoded = message.toFrame();
        BackendMessage again = BackendMessage.decode(encoded);
        assertThat(again.getClass()).isEqualTo(message.getClass());
        assertThat(again.toFrame()).isEqualTo(encoded);
        assertThat(encoded).as("re-encoded %s", message).isEqualTo(frame);
        switch (message) {
            case BackendMessage.ErrorResponse error -> {
                assertThat(error.sqlState()).isNotNull();
                assertThat(error.message()).isNotNull();
            }
            case BackendMessage.CommandComplete complete -> assertThat(complete.rows()).isGreaterThanOrEqualTo(-1);
            default -> {
            }
        }
    }
}
