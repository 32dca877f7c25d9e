package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Encodes messages to wire bytes and replays them through {@link FrameReader} at every fragmentation. */
final class WireFixtures {
    static final int MAX = 1 << 20;

    private WireFixtures() {
    }

    static byte[] wire(Frame frame) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            FrameWriter writer = new FrameWriter(bytes);
            writer.write(frame);
            writer.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every way of delivering {@code wire}: one byte per read, and two reads split at each offset. */
    static List<InputStream> fragmentations(byte[] wire) {
        List<InputStream> result = new ArrayList<>();
        result.add(FragmentingInputStream.oneByteAtATime(wire));
        for (int split = 0; split <= wire.length; split++) {
            result.add(FragmentingInputStream.splitAt(wire, split));
        }
        return result;
    }

    /**
     * Encodes {@code message}, reads it back at every fragmentation, decodes it, and checks that the result
     * equals the original field by field, re-encodes to the same bytes, and that the reader consumed exactly
     * the message.
     */
    static <M> void assertRoundTrip(M message, Function<M, Frame> encode, boolean startup,
                                    Function<Frame, ?> decode) {
        Frame frame = encode.apply(message);
        byte[] wire = wire(frame);
        assertThat(wire).hasSize(frame.wireLength());
        for (InputStream in : fragmentations(wire)) {
            FrameReader reader = new FrameReader(in, MAX);
            Frame read = readFrame(reader, startup);
            assertThat(read).isEqualTo(frame);
            Object decoded = decode.apply(read);
            assertThat(decoded).isInstanceOf(message.getClass());
            if (message.getClass().getRecordComponents().length > 0) {
                assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
            } else {
                assertThat(decoded).isEqualTo(message);
            }
            @SuppressWarnings("unchecked")
            Frame reencoded = encode.apply((M) decoded);
            assertThat(reencoded).isEqualTo(frame);
            assertThatThrownBy(() -> {
                if (startup) {
                    reader.readStartup();
                } else {
                    reader.read();
                }
            }).isInstanceOf(EOFException.class);
        }
    }

    static Frame readFrame(FrameReader reader, boolean startup) {
        try {
            return startup ? reader.readStartup() : reader.read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(int... values) {
        byte[] result = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (byte) values[i];
        }
        return result;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            result.writeBytes(part);
        }
        return result.toByteArray();
    }

    static byte[] cstr(String value) {
        return PgStrings.cstring(value);
    }
}
