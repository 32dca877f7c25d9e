package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.http.wire.ResponseHead;

/**
 * After {@code 101 Switching Protocols} (WebSocket, SPDY/3.1: kubectl exec, attach, port-forward), relays bytes both
 * ways unchanged and unbuffered until either side closes: client-to-upstream on the connection's thread,
 * upstream-to-client on one more virtual thread. The exchange was judged as a whole before the upgrade; the
 * connection ends with it. A {@code kubectl exec}/{@code attach} WebSocket stream is also tapped (never altered) into
 * an {@code asciicast/v2} recording ({@link ExecRecording}).
 */
final class UpgradeRelay {
    private final CallerSession caller;
    private final long id;
    private final Instant started;
    private final Clock clock;
    private final Optional<ExecRecording> recording;

    UpgradeRelay(CallerSession caller, long id, Instant started, Clock clock, Optional<ExecRecording> recording) {
        this.caller = caller;
        this.id = id;
        this.started = started;
        this.clock = clock;
        this.recording = recording;
    }

    /** Always false: the client connection ends with the upgraded stream. */
    boolean relay(ResponseHead response, InputStream clientIn, OutputStream clientOut, UpstreamLink link)
            throws IOException {
        response.encode(clientOut);
        clientOut.flush();
        AtomicLong toClient = new AtomicLong();
        Thread down = Thread.ofVirtual().name("sluice-upgrade-down").start(() -> {
            try {
                toClient.set(pump(link.in(), clientOut,
                        recording.map(r -> new WebSocketTap(r::fromContainer)).orElse(null)));
            } catch (IOException e) {
                // either side closed
            } finally {
                link.close();
                try {
                    clientOut.close();
                } catch (IOException e) {
                    // closing
                }
            }
        });
        long fromClient = 0;
        try {
            link.socket().setSoTimeout(0);
            fromClient = pump(clientIn, link.out(),
                    recording.map(r -> new WebSocketTap(r::fromClient)).orElse(null));
        } catch (IOException e) {
            // either side closed
        } finally {
            link.close();
        }
        try {
            down.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        caller.countFromClient(fromClient);
        caller.countToClient(toClient.get());
        recording.ifPresent(ExecRecording::close);
        caller.completed(id, 101, toClient.get(), "", Duration.between(started, clock.instant()),
                recording.map(ExecRecording::masked).orElse(Map.of()));
        return false;
    }

    /** Copies until the end; {@code tap} (may be null) sees every byte after it was passed on. */
    private static long pump(InputStream in, OutputStream out, WebSocketTap tap) throws IOException {
        byte[] buffer = new byte[Streams.BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
            total += n;
            if (tap != null) {
                tap.feed(buffer, 0, n);
            }
        }
        return total;
    }
}
