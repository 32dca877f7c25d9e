package dev.sluice.http;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.audit.SessionRecorder;
import dev.sluice.core.session.RecordingContext;

/**
 * Records the HTTP exchanges of one session as {@link AuditEvent.RecordingChunk}s of format {@value #FORMAT}: one
 * JSON object per exchange, one line each, written when its outcome is known (at once for a refused one):
 * {@code {"id":3,"at":"...","request":"DELETE pods web -n prod (v1)  [DELETE /api/v1/...]","verdict":"allow",
 * "reason":"","status":200,"bytes":1234,"duration_ms":12,"error":""}}. The request text is the one the session
 * audited (masked). Bodies are not recorded. At most {@link #MAX_PENDING} exchanges await their outcome; more are
 * recorded without one.
 *
 * <p>Exchanges are gathered into chunks (the chunk's {@code index} is its first exchange's id): a chunk is written
 * once it holds {@link #CHUNK_BYTES}, once its first exchange waited {@link #FLUSH_AFTER} (a virtual thread per
 * session writes it then), and at the session's end. One audit row for many exchanges instead of one each: under
 * load the row was a third of the audit writer's work, for facts each request's {@code command} and
 * {@code command.result} events hold too. Calls come from the client connection's thread (and the upgrade relay's)
 * and the flusher; the map is concurrent, the gathered lines are under a lock.
 */
final class HttpRecorder implements SessionRecorder {
    static final String FORMAT = "http/v1";
    static final int MAX_PENDING = 256;
    /** A chunk is written once its lines reach this many characters. */
    static final int CHUNK_BYTES = 16 * 1024;
    /** ... or once its first exchange waited this long. */
    static final Duration FLUSH_AFTER = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(HttpRecorder.class);
    private final RecordingContext context;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Exchanges recorded and not yet written, one JSON line each (under {@link #lock}). */
    private final StringBuilder lines = new StringBuilder();
    /** The id of the first exchange in {@link #lines}; -1 when empty (under {@link #lock}). */
    private long firstId = -1;
    /** Whether a flusher is waiting to write {@link #lines} (under {@link #lock}). */
    private boolean flushing;
    private boolean ended;

    private record Pending(Instant at, String text, String verdict, String reason) {
    }

    HttpRecorder(RecordingContext context) {
        this.context = context;
    }

    @Override
    public void onCommand(long commandId, String text, List<String> parameters, String verdict, String reason) {
        if (!context.config().enabled()) {
            return;
        }
        Pending exchange = new Pending(context.clock().instant(), text, verdict, reason);
        if (!"allow".equals(verdict) || pending.size() >= MAX_PENDING) {
            emit(commandId, exchange, -1, 0, Duration.ZERO, "allow".equals(verdict) ? "outcome not recorded" : "");
            return;
        }
        pending.put(commandId, exchange);
    }

    @Override
    public void onResult(long commandId, CommandOutcome outcome, Duration duration) {
        Pending exchange = pending.remove(commandId);
        if (exchange == null) {
            return;
        }
        int status = outcome instanceof CommandOutcome.Http http ? http.status() : -1;
        long bytes = outcome instanceof CommandOutcome.Http http ? http.bytes() : -1;
        emit(commandId, exchange, status, bytes, duration, outcome.error());
    }

    @Override
    public void onEnd() {
        for (Long id : List.copyOf(pending.keySet())) {
            Pending exchange = pending.remove(id);
            if (exchange != null) {
                emit(id, exchange, -1, 0, Duration.between(exchange.at(), context.clock().instant()),
                        "no outcome before the session ended");
            }
        }
        lock.lock();
        try {
            ended = true;
            write();
        } finally {
            lock.unlock();
        }
    }

    private void emit(long id, Pending exchange, int status, long bytes, Duration duration, String error) {
        String json = "{\"id\":" + id + ",\"at\":\"" + exchange.at() + "\",\"request\":\"" + quote(exchange.text())
                + "\",\"verdict\":\"" + quote(exchange.verdict()) + "\",\"reason\":\"" + quote(exchange.reason())
                + "\",\"status\":" + status + ",\"bytes\":" + bytes + ",\"duration_ms\":" + duration.toMillis()
                + ",\"error\":\"" + quote(error) + "\"}";
        lock.lock();
        try {
            if (firstId < 0) {
                firstId = id;
            }
            lines.append(json).append('\n');
            if (lines.length() >= CHUNK_BYTES || ended) {
                write();
            } else if (!flushing) {
                flushing = true;
                Thread.ofVirtual().name("sluice-http-recording-" + context.context().session()).start(this::flushLater);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The flusher: writes what gathered once the first line waited {@link #FLUSH_AFTER}. */
    private void flushLater() {
        try {
            Thread.sleep(FLUSH_AFTER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // written now, early
        }
        lock.lock();
        try {
            flushing = false;
            write();
        } finally {
            lock.unlock();
        }
    }

    /** Writes the gathered lines as one chunk (under {@link #lock}). */
    private void write() {
        if (lines.isEmpty()) {
            return;
        }
        long index = firstId;
        String content = lines.toString();
        lines.setLength(0);
        firstId = -1;
        try {
            context.audit().appendLater(new AuditEvent.RecordingChunk(context.clock().instant(), context.context(),
                    FORMAT, index, content));
        } catch (RuntimeException e) {
            LOG.error("session {}: could not record exchanges from {}", context.context().session(), index, e);
        }
    }

    private static String quote(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }
}
