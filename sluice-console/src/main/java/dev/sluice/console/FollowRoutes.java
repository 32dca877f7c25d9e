package dev.sluice.console;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;

import dev.sluice.console.BrowserSessions.BrowserSession;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;

/**
 * Following a live session: a server-sent event stream ({@code /console/api/sessions/ID/follow?after=SEQ}) that
 * pushes each new piece of the session's recording ({@code chunks}: SQL statements and terminal output after
 * {@code SEQ}) within one {@link #POLL} of its reaching the trail, and {@code ended} when the session ends. The
 * recording is read from the store, so a session open on another replica sharing the store can be followed too;
 * this replica's own writes are flushed before each read. Auditors only; the stream stops within a second of the
 * person signing out. Each stream runs on its own virtual thread (Javalin's); at most {@link #MAX_STREAMS} at once.
 */
final class FollowRoutes {
    static final Duration POLL = Duration.ofMillis(100);
    static final int MAX_STREAMS = 64;
    static final int MAX_CHUNKS_PER_EVENT = 500;

    private final Console console;
    private final Guard guard;
    final EventStreams streams = new EventStreams(MAX_STREAMS);

    FollowRoutes(Console console, Guard guard) {
        this.console = console;
        this.guard = guard;
    }

    void register(RoutesConfig routes) {
        routes.sse("/console/api/sessions/{id}/follow", this::follow);
    }

    private void follow(SseClient client) {
        Context ctx = client.ctx();
        Optional<BrowserSession> session = guard.session(ctx);
        if (session.isEmpty() || !console.services().auditor().test(session.get().principal())) {
            client.sendEvent("error", session.isEmpty() ? "not signed in"
                    : "only members of the auditor groups may follow sessions");
            client.close();
            return;
        }
        if (!streams.tryOpen()) {
            client.sendEvent("error", "too many sessions followed at once; reload later");
            client.close();
            return;
        }
        String id = ctx.pathParam("id");
        // a browser reconnecting on its own sends the id of the last event it got
        long after = Math.max(after(ctx.queryParam("after")), after(ctx.header("Last-Event-ID")));
        try {
            long polls = 0;
            long quiet = 0;
            while (!client.terminated() && !console.closed()) {
                if (polls % 10 == 9 && guard.session(ctx).isEmpty()) {
                    break; // signed out (perhaps on another replica): stop pushing
                }
                boolean ended = polls % 5 == 0 && ended(id);
                List<AuditRecord> chunks = read(id, after);
                if (!chunks.isEmpty()) {
                    after = chunks.getLast().seq();
                    client.sendEvent("chunks", Json.write(event(chunks, after)), Long.toString(after));
                    quiet = 0;
                }
                if (ended && chunks.size() < MAX_CHUNKS_PER_EVENT) {
                    client.sendEvent("ended", Json.write(Map.of("last_seq", after)));
                    break;
                }
                if (chunks.size() == MAX_CHUNKS_PER_EVENT) {
                    continue; // more is waiting: no pause
                }
                if (++quiet * POLL.toMillis() >= 15_000) {
                    client.sendComment("keep-alive");
                    quiet = 0;
                }
                polls++;
                Thread.sleep(POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the browser went away or the store failed: the page reconnects from the last seq it saw
        } finally {
            streams.ended();
            client.close();
        }
    }

    private List<AuditRecord> read(String id, long after) {
        console.services().audit().flush(); // what this replica wrote ahead is in the answer
        return console.services().reader().search(AuditSearch.all().withLimit(MAX_CHUNKS_PER_EVENT)
                .withAfterSeq(after).with(Field.SESSION, id).with(Field.KIND, "recording"));
    }

    private boolean ended(String id) {
        return console.services().reader().session(id).flatMap(SessionSummary::ended).isPresent();
    }

    /** The chunks as the replay page reads them: SQL statements and terminal output, and the last seq. */
    static Map<String, Object> event(List<AuditRecord> chunks, long lastSeq) {
        List<Map<String, Object>> statements = new ArrayList<>();
        StringBuilder cast = new StringBuilder();
        for (AuditRecord record : chunks) {
            String format = String.valueOf(record.details().getOrDefault("format", ""));
            String content = String.valueOf(record.details().getOrDefault("content", ""));
            if (format.equals("sql/v1")) {
                statements.add(EvidenceRoutes.sqlChunk(content));
            } else if (format.equals("asciicast/v2")) {
                cast.append(content);
                if (!content.endsWith("\n")) {
                    cast.append('\n');
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("last_seq", lastSeq);
        result.put("statements", statements);
        result.put("asciicast", cast.toString());
        return result;
    }

    private static long after(String text) {
        try {
            return text == null ? 0 : Math.max(0, Long.parseLong(text));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
