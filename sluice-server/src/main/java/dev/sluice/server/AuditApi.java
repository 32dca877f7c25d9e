package dev.sluice.server;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;
import dev.sluice.core.config.Durations;

/**
 * The auditors' REST API (see {@code docs/audit-api.md}): {@code GET /api/audit}, {@code /api/sessions},
 * {@code /api/sessions/{id}} and {@code /api/exports}. Every route needs a bearer token of an auditor
 * ({@link ApiAuth}). Pages go forward by seq: {@code next_cursor} is the last seq returned, null on the last page.
 */
final class AuditApi {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    private static final Map<String, Field> FILTERS = Map.of("subject", Field.SUBJECT, "group", Field.GROUP,
            "connection", Field.CONNECTION, "session", Field.SESSION, "kind", Field.KIND, "verdict", Field.VERDICT,
            "text", Field.TEXT);

    private final Gateway gateway;

    private AuditApi(Gateway gateway) {
        this.gateway = gateway;
    }

    static void register(RoutesConfig routes, Gateway gateway) {
        AuditApi api = new AuditApi(gateway);
        routes.get("/api/audit", ctx -> api.guarded(ctx, api::events));
        routes.get("/api/sessions", ctx -> api.guarded(ctx, api::sessions));
        routes.get("/api/sessions/{id}", ctx -> api.guarded(ctx, api::session));
        routes.get("/api/exports", ctx -> api.guarded(ctx, api::exports));
    }

    private interface Handler {
        void handle(Context ctx);
    }

    private void guarded(Context ctx, Handler handler) {
        if (ApiAuth.auditor(ctx, gateway).isEmpty()) {
            return;
        }
        try {
            handler.handle(ctx);
        } catch (IllegalArgumentException e) {
            ctx.status(400).json(Map.of("error", e.getMessage()));
        }
    }

    private void events(Context ctx) {
        AuditSearch search = search(ctx);
        for (Map.Entry<String, Field> filter : FILTERS.entrySet()) {
            String value = ctx.queryParam(filter.getKey());
            if (value != null) {
                search = search.with(filter.getValue(), value);
            }
        }
        gateway.audit().flush(); // what this replica wrote ahead is in the answer
        List<AuditRecord> events = gateway.evidence().reader().search(search);
        page(ctx, "events", events.stream().map(AuditJson::toMap).toList(), events, search.limit());
    }

    private void sessions(Context ctx) {
        AuditSearch search = search(ctx);
        for (String key : List.of("subject", "connection")) {
            String value = ctx.queryParam(key);
            if (value != null) {
                search = search.with(FILTERS.get(key), value);
            }
        }
        gateway.audit().flush();
        List<SessionSummary> sessions = gateway.evidence().reader().sessions(search);
        ctx.json(Map.of("sessions", sessions.stream().map(AuditJson::session).toList()));
    }

    private void session(Context ctx) {
        String id = ctx.pathParam("id");
        gateway.audit().flush();
        Optional<SessionSummary> summary = gateway.evidence().reader().session(id);
        if (summary.isEmpty()) {
            ctx.status(404).json(Map.of("error", "no session " + id));
            return;
        }
        AuditSearch search = search(ctx).with(Field.SESSION, id).with(Field.KIND, "recording");
        List<AuditRecord> chunks = gateway.evidence().reader().search(search);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("session", AuditJson.session(summary.get()));
        result.put("recording", chunks.stream().map(EvidenceJson::chunk).toList());
        result.put("next_cursor", nextCursor(chunks, search.limit()));
        ctx.json(result);
    }

    private void exports(Context ctx) {
        ctx.json(Map.of("exports", gateway.evidence().exports().stream().map(EvidenceJson::export).toList()));
    }

    private static void page(Context ctx, String key, List<?> items, List<AuditRecord> records, int limit) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put(key, items);
        result.put("next_cursor", nextCursor(records, limit));
        ctx.json(result);
    }

    private static Long nextCursor(List<AuditRecord> records, int limit) {
        return records.size() < limit ? null : records.getLast().seq();
    }

    /** Cursor, limit, since and until; a malformed value is a 400. */
    private static AuditSearch search(Context ctx) {
        AuditSearch result = AuditSearch.all().withLimit(number(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT));
        result = result.withAfterSeq(number(ctx, "cursor", 0, 0, Long.MAX_VALUE));
        Instant now = Instant.now();
        String since = ctx.queryParam("since");
        if (since != null) {
            result = result.withSince(instant("since", since, now));
        }
        String until = ctx.queryParam("until");
        if (until != null) {
            result = result.withUntil(instant("until", until, now));
        }
        return result;
    }

    private static int number(Context ctx, String key, int defaultValue, int min, int max) {
        return (int) number(ctx, key, (long) defaultValue, min, (long) max);
    }

    private static long number(Context ctx, String key, long defaultValue, long min, long max) {
        String text = ctx.queryParam(key);
        if (text == null) {
            return defaultValue;
        }
        try {
            long result = Long.parseLong(text);
            if (result >= min && result <= max) {
                return result;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(key + " must be a number from " + min + " to " + max);
    }

    /** An ISO-8601 instant, or a duration ago such as {@code 1d}. */
    private static Instant instant(String key, String text, Instant now) {
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            try {
                return now.minus(Durations.parse(text));
            } catch (IllegalArgumentException notDuration) {
                throw new IllegalArgumentException(key + " must be an ISO-8601 instant or a duration ago such as 1d");
            }
        }
    }
}
