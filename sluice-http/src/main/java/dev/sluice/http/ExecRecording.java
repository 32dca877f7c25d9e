package dev.sluice.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.session.RecordingContext;

/**
 * Records a {@code kubectl exec}/{@code attach} stream as {@code asciicast/v2} inside the audit trail: chunk 0 is the
 * header line (size, time, the command line as audited), every later chunk a run of {@code [t, "o", data]} lines
 * (stdout and stderr, masked with the session's detectors) and {@code [t, "r", "WxH"]} resizes, cut at
 * {@link #CHUNK_CHARS}. Stdin is not recorded. The channel protocols are {@code v5/v4/v3/v2/channel.k8s.io} (binary:
 * the first byte is the channel) and {@code base64.channel.k8s.io} (text: channel digit, then base64). At most
 * {@link #MAX_CHARS} are recorded; then one marker line says the rest was cut. Fed by both relay threads: a lock
 * orders the events.
 */
final class ExecRecording {
    static final String FORMAT = "asciicast/v2";
    static final int CHUNK_CHARS = 16 * 1024;
    static final int MAX_CHARS = 8 * 1024 * 1024;
    private final RecordingContext context;
    private final MaskingPlan plan;
    private final MaskTally tally = new MaskTally();
    private final boolean base64;
    private final Instant started;
    private final ReentrantLock lock = new ReentrantLock();
    private final StringBuilder pending = new StringBuilder();
    private long index;
    private long recorded;
    private boolean cut;

    ExecRecording(RecordingContext context, MaskingPlan plan, String subprotocol, String command) {
        this.context = context;
        this.plan = plan;
        this.base64 = subprotocol.toLowerCase(Locale.ROOT).startsWith("base64");
        this.started = context.clock().instant();
        emit("{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":" + started.getEpochSecond()
                + ",\"command\":\"" + quote(command) + "\",\"env\":{\"TERM\":\"xterm\"}}\n");
    }

    /** A message from the container (upstream). */
    void fromContainer(byte[] message) {
        decode(message).ifPresent(frame -> {
            if (frame.channel() == 1 || frame.channel() == 2) {
                String text = new String(frame.data(), StandardCharsets.UTF_8);
                event("o", plan.maskText(text, tally));
            }
        });
    }

    /** A message from the client: only resizes (channel 4) are recorded, never stdin. */
    void fromClient(byte[] message) {
        decode(message).filter(frame -> frame.channel() == 4).ifPresent(frame -> {
            String json = new String(frame.data(), StandardCharsets.UTF_8);
            java.util.regex.Matcher w = java.util.regex.Pattern.compile("\"Width\"\\s*:\\s*(\\d+)").matcher(json);
            java.util.regex.Matcher h = java.util.regex.Pattern.compile("\"Height\"\\s*:\\s*(\\d+)").matcher(json);
            if (w.find() && h.find()) {
                event("r", w.group(1) + "x" + h.group(1));
            }
        });
    }

    private record Frame(int channel, byte[] data) {
    }

    private java.util.Optional<Frame> decode(byte[] message) {
        if (message.length == 0) {
            return java.util.Optional.empty();
        }
        if (!base64) {
            return java.util.Optional.of(new Frame(message[0] & 0xff,
                    java.util.Arrays.copyOfRange(message, 1, message.length)));
        }
        try {
            return java.util.Optional.of(new Frame(message[0] - '0', Base64.getDecoder().decode(
                    java.util.Arrays.copyOfRange(message, 1, message.length))));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private void event(String type, String data) {
        double t = Duration.between(started, context.clock().instant()).toNanos() / 1e9;
        String line = "[" + String.format(Locale.ROOT, "%.6f", t) + ",\"" + type + "\",\"" + quote(data) + "\"]\n";
        lock.lock();
        try {
            if (cut) {
                return;
            }
            if (recorded + line.length() > MAX_CHARS) {
                cut = true;
                line = "[" + String.format(Locale.ROOT, "%.6f", t) + ",\"m\",\"recording cut at " + MAX_CHARS
                        + " characters\"]\n";
            }
            recorded += line.length();
            pending.append(line);
            if (pending.length() >= CHUNK_CHARS) {
                flushLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes what is pending; the stream ended. */
    void close() {
        lock.lock();
        try {
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    /** The masking counts of the recorded output (for the exchange's outcome). */
    java.util.Map<String, Long> masked() {
        return tally.take();
    }

    private void flushLocked() {
        if (!pending.isEmpty()) {
            emit(pending.toString());
            pending.setLength(0);
        }
    }

    private void emit(String content) {
        try {
            context.audit().appendLater(new AuditEvent.RecordingChunk(context.clock().instant(), context.context(),
                    FORMAT, index++, content));
        } catch (RuntimeException e) {
            // the exchange's own outcome records the failure; the relay goes on
        }
    }

    private static String quote(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }

}
