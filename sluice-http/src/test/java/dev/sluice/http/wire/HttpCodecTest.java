package dev.sluice.http.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class HttpCodecTest {

    private static RequestHead request(String text) throws IOException {
        return RequestHead.decode(new HeadReader(in(text), 8192, 64 * 1024).read().orElseThrow());
    }

    private static InputStream in(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Delivers one byte per read, as a slow network would. */
    private static InputStream trickle(String text) {
        InputStream whole = in(text);
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return whole.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : whole.read(b, off, 1);
            }
        };
    }

    @Test
    void aRequestHeadIsReadUpToTheEmptyLineAndTheBodyStaysInTheStream() throws IOException {
        InputStream stream = in("GET /k8s/c/api/v1/pods?limit=5 HTTP/1.1\r\nHost: x\r\nAccept: a, b\r\n\r\nBODY");
        RequestHead head = RequestHead.decode(new HeadReader(stream, 8192, 65536).read().orElseThrow());
        assertThat(head.method()).isEqualTo("GET");
        assertThat(head.target()).isEqualTo("/k8s/c/api/v1/pods?limit=5");
        assertThat(head.headers().first("accept")).contains("a, b");
        assertThat(new String(stream.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("BODY");
    }

    @Test
    void bareLineFeedsObsoleteFoldingAndSpacesBeforeTheColonAreRefused() {
        assertThatThrownBy(() -> request("GET / HTTP/1.1\nHost: x\r\n\r\n")).hasMessageContaining("bare LF");
        assertThatThrownBy(() -> request("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"))
                .hasMessageContaining("folding");
        assertThatThrownBy(() -> request("GET / HTTP/1.1\r\nHost : x\r\n\r\n")).hasMessageContaining("name");
        assertThatThrownBy(() -> request("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n")).hasMessageContaining("CR");
        assertThatThrownBy(() -> request("GET  / HTTP/1.1\r\n\r\n")).hasMessageContaining("request line");
        assertThatThrownBy(() -> request("GET / HTTP/2.0\r\n\r\n")).hasMessageContaining("HTTP/1.1");
    }

    @Test
    void oversizedHeadsAreRefusedWithTheBoundInTheMessage() {
        String big = "GET / HTTP/1.1\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n";
        assertThatThrownBy(() -> request(big)).isInstanceOfSatisfying(HttpProtocolException.class,
                e -> assertThat(e.status()).isEqualTo(431)).hasMessageContaining("expected: <= 65536");
        String longLine = "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n\r\n";
        assertThatThrownBy(() -> request(longLine)).isInstanceOfSatisfying(HttpProtocolException.class,
                e -> assertThat(e.status()).isEqualTo(414));
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 200; i++) {
            many.append("X-").append(i).append(": 1\r\n");
        }
        assertThatThrownBy(() -> request(many + "\r\n")).hasMessageContaining("too many header fields");
    }

    @Test
    void smugglingFramingIsRefused() throws IOException {
        assertThatThrownBy(() -> BodyFraming.ofRequest(request(
                "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")))
                .hasMessageContaining("ambiguous");
        assertThatThrownBy(() -> BodyFraming.ofRequest(request(
                "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"))).hasMessageContaining("conflicting");
        assertThatThrownBy(() -> BodyFraming.ofRequest(request(
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"))).hasMessageContaining("unsupported");
        assertThatThrownBy(() -> BodyFraming.ofRequest(request(
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")))
                .hasMessageContaining("unsupported");
        assertThatThrownBy(() -> BodyFraming.ofRequest(request("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n")))
                .hasMessageContaining("malformed");
        assertThat(BodyFraming.ofRequest(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")))
                .isEqualTo(new BodyFraming.Fixed(5));
        assertThat(BodyFraming.ofRequest(request("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n")))
                .isEqualTo(new BodyFraming.Chunked());
    }

    @Test
    void chunkedBodiesDecodeAtEveryFragmentationAndMalformedOnesAreRefused() throws IOException {
        String body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        InputStream stream = trickle(body);
        assertThat(new String(new ChunkedInputStream(stream, 400).readAllBytes(), StandardCharsets.US_ASCII))
                .isEqualTo("hello world");
        assertThat(new String(stream.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("NEXT");
        for (String bad : new String[] {"5\r\nhelloX\r\n0\r\n\r\n", "g\r\n", "-1\r\n", "5\nhello\r\n",
                "1234567890123456\r\n", "5\r\nhel"}) {
            assertThatThrownBy(() -> new ChunkedInputStream(in(bad), 400).readAllBytes()).as(bad)
                    .isInstanceOfAny(IOException.class, HttpProtocolException.class);
        }
    }

    @Test
    void chunkedOutputRoundTrips() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChunkedOutputStream chunked = new ChunkedOutputStream(out);
        chunked.write("abc".getBytes(StandardCharsets.US_ASCII));
        chunked.write(new byte[0]);
        chunked.write("defg".getBytes(StandardCharsets.US_ASCII));
        chunked.finish();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
        assertThat(new ChunkedInputStream(new ByteArrayInputStream(out.toByteArray()), 400).readAllBytes())
                .asString(StandardCharsets.US_ASCII).isEqualTo("abcdefg");
    }

    @Test
    void headerValuesWithLineBreaksAreNeverWritten() {
        RequestHead head = new RequestHead("GET", "/", "HTTP/1.1", Headers.empty().with("X-Injected", "a\r\nEvil: 1"));
        assertThatThrownBy(() -> head.encode(new ByteArrayOutputStream())).hasMessageContaining("line break");
    }
}
