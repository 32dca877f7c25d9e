package dev.sluice.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.sluice.http.wire.BodyFraming;
import dev.sluice.http.wire.ChunkedInputStream;
import dev.sluice.http.wire.FixedLengthInputStream;
import dev.sluice.http.wire.HeadReader;
import dev.sluice.http.wire.HttpProtocolException;
import dev.sluice.http.wire.RequestHead;

/**
 * The relay's side of a {@code via} web connection: the gateway's HTTP/1.1 requests (already judged, with no
 * credential) as the relay's target gets them. Each request head is read strictly ({@link HeadReader}), its
 * {@code Host} set to the relay's target, its path prefixed with the target's base path, and the relay's credential
 * injected ({@link UpstreamCredential}, the gateway's own code); bodies stream through by their framing (fixed
 * length as is, chunked re-chunked, trailers dropped). After an upgrade request (WebSocket/SPDY) the bytes pass as
 * they come. A request the relay cannot read the same way the target would ends the connection (fail closed: an
 * exception, and the relay closes both sides).
 *
 * <p>Read by one thread (the relay's gateway-to-target direction).
 */
final class RelayRequests extends InputStream {
    private static final int MAX_LINE = 8192;
    private static final int MAX_HEAD = 256 * 1024;
    private static final int CHUNK = 16 * 1024;

    private final InputStream in;
    private final HeadReader heads;
    private final HttpTarget target;
    private final OAuth2Tokens oauth;
    private byte[] pending = new byte[0];
    private int position;
    private Optional<InputStream> fixed = Optional.empty();
    private Optional<InputStream> chunked = Optional.empty();
    private boolean upgraded;
    private boolean rawAfterBody;

    RelayRequests(InputStream fromGateway, HttpTarget target, OAuth2Tokens oauth) {
        this.in = new BufferedInputStream(fromGateway, 16 * 1024);
        this.heads = new HeadReader(in, MAX_LINE, MAX_HEAD);
        this.target = target;
        this.oauth = oauth;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (true) {
            if (position < pending.length) {
                int result = Math.min(length, pending.length - position);
                System.arraycopy(pending, position, buffer, offset, result);
                position += result;
                return result;
            }
            if (fixed.isPresent()) {
                int n = fixed.get().read(buffer, offset, length);
                if (n >= 0) {
                    return n;
                }
                fixed = Optional.empty();
                continue;
            }
            if (chunked.isPresent()) {
                rechunk();
                continue;
            }
            if (upgraded) {
                return in.read(buffer, offset, length);
            }
            if (rawAfterBody) {
                upgraded = true;
                continue;
            }
            if (!nextHead()) {
                return -1;
            }
        }
    }

    /** The next piece of a chunked body, re-encoded as one chunk; the last-chunk once the body ended. */
    private void rechunk() throws IOException {
        byte[] data = new byte[CHUNK];
        int n = chunked.get().read(data, 0, data.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 16);
        if (n < 0) {
            chunked = Optional.empty();
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data, 0, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        pending = out.toByteArray();
        position = 0;
    }

    /** Reads, rewrites and queues the next request head; false when the gateway ended the stream between requests. */
    private boolean nextHead() throws IOException {
        Optional<HeadReader.RawHead> raw = heads.read();
        if (raw.isEmpty()) {
            return false;
        }
        RequestHead head = RequestHead.decode(raw.get());
        if (!head.target().startsWith("/")) {
            // fail closed: the gateway sends origin-form targets only; anything else could name another host
            throw new HttpProtocolException(400, "the relay forwards origin-form request targets only");
        }
        BodyFraming framing = BodyFraming.ofRequest(head);
        RequestHead out = head.withTarget(target.basePath() + head.target())
                .withHeaders(UpstreamCredential.apply(head.headers().with("Host", target.hostHeader()), target,
                        oauth));
        ByteArrayOutputStream encoded = new ByteArrayOutputStream(512);
        out.encode(encoded);
        pending = encoded.toByteArray();
        position = 0;
        switch (framing) {
            case BodyFraming.Fixed f -> fixed = Optional.of(new FixedLengthInputStream(in, f.length()));
            case BodyFraming.Chunked c -> chunked = Optional.of(new ChunkedInputStream(in, 400));
            default -> {
                // no body
            }
        }
        rawAfterBody = head.headers().has("Upgrade");
        return true;
    }
}
