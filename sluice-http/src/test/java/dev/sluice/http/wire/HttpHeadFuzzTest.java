package dev.sluice.http.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz targets for what clients send the HTTPS proxy: {@link HeadReader} with {@link RequestHead#decode} and
 * {@link BodyFraming#ofRequest}, and the {@link ChunkedInputStream}. The contract: only
 * {@link HttpProtocolException} or {@link EOFException}, never another exception, never more than the bounds, and a
 * decoded head that encodes back to a head that decodes the same.
 */
class HttpHeadFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void requestHeads(byte[] data) throws IOException {
        InputStream in = new ByteArrayInputStream(data);
        HeadReader reader = new HeadReader(in, 8192, 16 * 1024);
        for (int i = 0; i < 8; i++) {
            Optional<HeadReader.RawHead> raw;
            try {
                raw = reader.read();
            } catch (HttpProtocolException | EOFException e) {
                return;
            }
            if (raw.isEmpty()) {
                return;
            }
            assertThat(raw.get().startLine().length()).isLessThanOrEqualTo(8192);
            assertThat(raw.get().headers().fields().size()).isLessThanOrEqualTo(HeadReader.MAX_FIELDS);
            RequestHead head;
            try {
                head = RequestHead.decode(raw.get());
                BodyFraming.ofRequest(head);
            } catch (HttpProtocolException e) {
                return;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            head.encode(out);
            RequestHead again = RequestHead.decode(new HeadReader(new ByteArrayInputStream(out.toByteArray()), 8192,
                    64 * 1024).read().orElseThrow());
            assertThat(again.method()).isEqualTo(head.method());
            assertThat(again.target()).isEqualTo(head.target());
            assertThat(again.headers().fields()).isEqualTo(head.headers().fields());
        }
    }

    @FuzzTest(maxDuration = "10s")
    void chunkedBodies(byte[] data) throws IOException {
        try (ChunkedInputStream in = new ChunkedInputStream(new ByteArrayInputStream(data), 400)) {
            byte[] buffer = new byte[4096];
            long total = 0;
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                total += n;
                assertThat(total).isLessThanOrEqualTo(data.length);
            }
        } catch (HttpProtocolException | EOFException e) {
            // refused: the contract
        }
    }
}
