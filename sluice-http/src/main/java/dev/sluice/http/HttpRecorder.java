package dev.sluice.http;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.audit.SessionRecorder;
import dev.sluice.core.session.RecordingContext;

/**
 * Records the HTTP exchanges of one session as {@link AuditEvent.RecordingChunk}s of format {@value #FORMAT}: one
 * JSON object per exchange, written when its outcome is known (at once for a refused one):
 * {@code {"id":3,"at":"...","request":"DELETE pods web -n prod (v1)  [DELETE /api/v1/...]","verdict":"allow",
 * "reason":"","status":200,"bytes":1234,"duration_ms":12,"error":""}}. The request text is the one the session
 * audited (masked). Bodies are not recorded. At most {@link #MAX_PENDING} exchanges await their outcome; more are
 * recorded without one. Calls come from the client connection's thread (and the upgrade relay's); the map is
 * concurrent.
 */
final class HttpRecorder implements SessionRecorder {
    static final String FORMAT = "http/v1";
    static final int MAX_PENDING = 256;
    private static final Logger LOG = LoggerFactory.getLogger(HttpRecorder.class);
    private final RecordingContext context;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();

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
    }

    private void emit(long id, Pending exchange, int status, long bytes, Duration duration, String error) {
        String json = "{\"id\":" + id + ",\"at\":\"" + exchange.at() + "\",\"request\":\"" + quote(exchange.text())
                + "\",\"verdict\":\"" + quote(exchange.verdict()) + "\",\"reason\":\"" + quote(exchange.reason())
                + "\",\"status\":" + status + ",\"bytes\":" + bytes + ",\"duration_ms\":" + duration.toMillis()
                + ",\"error\":\"" + quote(error) + "\"}";
        try {
            context.audit().appendLater(new AuditEvent.RecordingChunk(context.clock().instant(), context.context(),
                    FORMAT, id, json));
        } catch (RuntimeException e) {
            LOG.error("session {}: could not record exchange {}", context.context().session(), id, e);
        }
    }

    private static String quote(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }
}
