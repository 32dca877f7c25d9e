package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class FrameWriterTest {
    @Test
    void writesAnUntypedFrameWithoutATypeByte() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(out);

        writer.write(new FrontendMessage.SSLRequest());
        writer.flush();

        assertThat(out.toByteArray()).containsExactly(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f);
    }

    @Test
    void buffersUntilFlushed() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(out);

        writer.write(new BackendMessage.ParseComplete());
        assertThat(out.size()).isZero();
        writer.flush();

        assertThat(out.toByteArray()).containsExactly('1', 0, 0, 0, 4);
    }

    @Test
    void keepsFramesFromConcurrentWritersWhole() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(out);
        int perThread = 2_000;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (byte fill : new byte[] {'a', 'b'}) {
                done.add(threads.submit(() -> {
                    byte[] payload = new byte[1000];
                    java.util.Arrays.fill(payload, fill);
                    for (int i = 0; i < perThread; i++) {
                        writer.write(new Frame((byte) 'd', payload));
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        writer.flush();

        FrameReader reader = new FrameReader(new ByteArrayInputStream(out.toByteArray()), 2000);
        for (int i = 0; i < 2 * perThread; i++) {
            byte[] payload = reader.read().payload();
            assertThat(payload).hasSize(1000);
            byte first = payload[0];
            for (byte b : payload) {
                assertThat(b).isEqualTo(first);
            }
        }
    }

    @Test
    void writesFramesLargerThanItsBufferAndStreamsOfSmallOnesIntact() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(out);
        List<Frame> written = new ArrayList<>();
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 3_000; i++) {
            int size = i % 500 == 7 ? 100_000 + random.nextInt(50_000) : random.nextInt(300);
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            Frame frame = new Frame((byte) 'D', payload);
            written.add(frame);
            writer.write(frame);
        }
        writer.flush();

        FrameReader reader = new FrameReader(new ByteArrayInputStream(out.toByteArray()), 1 << 20);
        for (Frame frame : written) {
            assertThat(reader.read()).isEqualTo(frame);
        }
        assertThat(out.size()).isEqualTo(written.stream().mapToInt(Frame::wireLength).sum());
    }
}
