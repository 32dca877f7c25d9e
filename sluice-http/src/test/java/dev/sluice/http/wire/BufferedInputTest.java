package dev.sluice.http.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The lock-free buffered stream gives back exactly the bytes it read, however the source and the reader chop them. */
class BufferedInputTest {

    @Test
    void mixedSingleAndBulkReadsOverAChoppySourceReturnEveryByteInOrder() throws IOException {
        Random random = new Random(7);
        byte[] data = new byte[200_000];
        random.nextBytes(data);
        for (int size : new int[] {1, 7, 64, 16 * 1024}) {
            BufferedInput in = new BufferedInput(choppy(data, random), size);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                if (random.nextInt(3) == 0) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    out.write(b);
                } else {
                    byte[] chunk = new byte[1 + random.nextInt(size * 3)];
                    int n = in.read(chunk, 0, chunk.length);
                    if (n < 0) {
                        break;
                    }
                    out.write(chunk, 0, n);
                }
            }
            assertThat(out.toByteArray()).as("buffer %d", size).isEqualTo(data);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void aMarkedByteIsReadAgainAfterResetEvenAcrossARefill() throws IOException {
        BufferedInput in = new BufferedInput(choppy("abcdef".getBytes(StandardCharsets.US_ASCII), new Random(1)), 4);
        assertThat(in.readNBytes(3)).isEqualTo("abc".getBytes(StandardCharsets.US_ASCII));
        in.mark(1);
        assertThat(in.read()).isEqualTo('d');
        in.reset();
        assertThat(in.readAllBytes()).isEqualTo("def".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(new BufferedInput(InputStream.nullInputStream(), 4)::reset).isInstanceOf(IOException.class);
    }

    @Test
    void headsAreReadAsFromAnyOtherStream() throws IOException {
        String text = "GET /a HTTP/1.1\r\nHost: x\r\nX-Long: " + "v".repeat(3000) + "\r\n\r\nBODY";
        BufferedInput in = new BufferedInput(choppy(text.getBytes(StandardCharsets.ISO_8859_1), new Random(3)), 16);
        RequestHead head = RequestHead.decode(new HeadReader(in, 8192, 65536).read().orElseThrow());
        assertThat(head.headers().first("X-Long")).contains("v".repeat(3000));
        assertThat(in.readAllBytes()).isEqualTo("BODY".getBytes(StandardCharsets.US_ASCII));
    }

    /** A source that hands out at most a few random bytes per read, as a socket may. */
    private static InputStream choppy(byte[] data, Random random) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(9)));
            }
        };
    }
}
