package dev.sluice.console;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.console.BrowserSessions.BrowserSession;
import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;
import dev.sluice.core.config.Durations;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditStoreReader;
import dev.sluice.store.AuditStores;
import dev.sluice.store.ChainVerification;
import dev.sluice.store.VerifyOptions;

/**
 * What auditors read: sessions (filtered), one session's recording for replay, audit search (the REST API's
 * filters, paginated by seq) and the chain's status with the newest signed checkpoint. Auditors only (the REST
 * API's rule, {@link ConsoleServices#auditor}); everything else gets 403.
 */
final class EvidenceRoutes {
    static final int PAGE = 100;
    static final int MAX_CHUNKS = 20_000;
    private static final Map<String, Field> FILTERS = Map.of("subject", Field.SUBJECT, "group", Field.GROUP,
            "connection", Field.CONNECTION, "session", Field.SESSION, "kind", Field.KIND, "verdict", Field.VERDICT,
            "text", Field.TEXT);

    private final Console console;
    private final Guard guard;
    private final ReentrantLock verifying = new ReentrantLock();
    private volatile Optional<Map<String, Object>> lastVerification = Optional.empty();

    EvidenceRoutes(Console console, Guard guard) {
        this.console = console;
        this.guard = guard;
    }

    void register(RoutesConfig routes) {
        routes.get("/console/api/sessions", ctx -> auditor(ctx).ifPresent(s -> sessions(ctx)));
        routes.get("/console/api/sessions/{id}", ctx -> auditor(ctx).ifPresent(s -> session(ctx)));
        routes.get("/console/api/audit", ctx -> auditor(ctx).ifPresent(s -> events(ctx)));
        routes.get("/console/api/audit/chain", ctx -> auditor(ctx).ifPresent(s -> chain(ctx)));
        routes.post("/console/api/audit/verify", ctx -> {
            Optional<BrowserSession> session = guard.change(ctx);
            if (session.isPresent() && allowed(ctx, session.get())) {
                verify(ctx);
            }
        });
    }

    private Optional<BrowserSession> auditor(Context ctx) {
        return guard.api(ctx).filter(s -> allowed(ctx, s));
    }

    private boolean allowed(Context ctx, BrowserSession session) {
        if (console.services().auditor().test(session.principal())) {
            return true;
        }
        ctx.status(403).json(Map.of("error", "only members of the auditor groups may read the audit trail"));
        return false;
    }

    private AuditReader reader() {
        console.services().audit().flush(); // what this replica wrote ahead is in the answer
        return console.services().reader();
    }

    private void sessions(Context ctx) {
        AuditSearch search;
        try {
            search = window(ctx, AuditSearch.all().withLimit(500));
        } catch (IllegalArgumentException e) {
            ctx.status(400).json(Map.of("error", e.getMessage()));
            return;
        }
        for (String key : List.of("subject", "connection")) {
            String value = ctx.queryParam(key);
            if (value != null && !value.isBlank()) {
                search = search.with(FILTERS.get(key), value.strip());
            }
        }
        AuditReader reader = reader();
        List<SessionSummary> found = reader.sessions(search);
        String protocol = Optional.ofNullable(ctx.queryParam("protocol")).orElse("");
        String verdict = Optional.ofNullable(ctx.queryParam("verdict")).orElse("");
        Set<String> withVerdict = new HashSet<>();
        if (!verdict.isBlank()) {
            AuditSearch statements = window(ctx, AuditSearch.all().withLimit(AuditSearch.MAX_LIMIT))
                    .with(Field.KIND, "command").with(Field.VERDICT, verdict);
            reader.search(statements).forEach(r -> withVerdict.add(r.session()));
        }
        List<Map<String, Object>> result = found.stream()
                .filter(s -> protocol.isBlank() || s.protocol().equals(protocol))
                .filter(s -> verdict.isBlank() || withVerdict.contains(s.id()))
                .map(AuditJson::session).toList();
        ctx.json(Map.of("sessions", result));
    }

    private void session(Context ctx) {
        String id = ctx.pathParam("id");
        AuditReader reader = reader();
        Optional<SessionSummary> summary = reader.session(id);
        if (summary.isEmpty()) {
            ctx.status(404).json(Map.of("error", "no such session"));
            return;
        }
        List<Map<String, Object>> statements = new ArrayList<>();
        StringBuilder cast = new StringBuilder();
        long after = 0;
        long lastSeq = 0;
        int chunks = 0;
        boolean truncated = false;
        while (true) {
            List<AuditRecord> page = reader.search(AuditSearch.all().withLimit(1000).withAfterSeq(after)
                    .with(Field.SESSION, id).with(Field.KIND, "recording"));
            for (AuditRecord record : page) {
                String format = String.valueOf(record.details().getOrDefault("format", ""));
                String content = String.valueOf(record.details().getOrDefault("content", ""));
                if (format.equals("sql/v1")) {
                    statements.add(sqlChunk(content));
                } else if (format.equals("asciicast/v2")) {
                    cast.append(content);
                    if (!content.endsWith("\n")) {
                        cast.append('\n');
                    }
                }
            }
            chunks += page.size();
            if (!page.isEmpty()) {
                lastSeq = page.getLast().seq();
            }
            if (page.size() < 1000) {
                break;
            }
            if (chunks >= MAX_CHUNKS) {
                truncated = true;
                break;
            }
            after = page.getLast().seq();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("session", AuditJson.session(summary.get()));
        result.put("statements", statements);
        result.put("asciicast", cast.toString());
        result.put("truncated", truncated);
        result.put("last_seq", lastSeq); // a live session is followed from here (FollowRoutes)
        ctx.json(result);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> sqlChunk(String content) {
        try {
            return Json.MAPPER.readValue(content, Map.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Map.of("text", "(unreadable recording chunk)", "error", "unreadable");
        }
    }

    private void events(Context ctx) {
        AuditSearch search;
        try {
            search = window(ctx, AuditSearch.all().withLimit(PAGE)).withAfterSeq(cursor(ctx));
        } catch (IllegalArgumentException e) {
            ctx.status(400).json(Map.of("error", e.getMessage()));
            return;
        }
        for (Map.Entry<String, Field> filter : FILTERS.entrySet()) {
            String value = ctx.queryParam(filter.getKey());
            if (value != null && !value.isBlank()) {
                search = search.with(filter.getValue(), value.strip());
            }
        }
        List<AuditRecord> events = reader().search(search);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("events", events.stream().map(AuditJson::toMap).toList());
        result.put("next_cursor", events.size() < PAGE ? null : events.getLast().seq());
        ctx.json(result);
    }

    private void chain(Context ctx) {
        Map<String, Object> result = new LinkedHashMap<>();
        if (console.services().reader() instanceof AuditStoreReader store) {
            result.put("store", store.name());
            result.put("head", store.headSeq());
            store.latestCheckpoint().ifPresentOrElse(c -> result.put("checkpoint", Map.of("seq", c.seq(),
                    "time", c.time().toString(), "key_id", c.keyId(), "hash", c.hash())),
                    () -> result.put("checkpoint", null));
        }
        result.put("verification", lastVerification.orElse(null));
        ctx.json(result);
    }

    /** Walks the whole chain now (one at a time), like {@code sluice audit verify} with the configured key. */
    private void verify(Context ctx) {
        if (!(console.services().reader() instanceof AuditStoreReader store)) {
            ctx.status(501).json(Map.of("error", "this store cannot be verified from the console"));
            return;
        }
        if (!verifying.tryLock()) {
            ctx.status(409).json(Map.of("error", "a verification is already running"));
            return;
        }
        try {
            console.services().audit().flush();
            Instant now = console.services().clock().instant();
            AuditSettings settings = AuditSettings.of(console.services().state().get().config());
            ChainVerification verification = store.verify(VerifyOptions.signedBy(AuditStores.publicKey(settings),
                    now));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("ok", verification.ok());
            result.put("checked", verification.checked());
            result.put("first_broken_seq", verification.firstBrokenSeq().orElse(null));
            result.put("message", verification.message());
            result.put("time", now.toString());
            lastVerification = Optional.of(result);
            ctx.json(result);
        } finally {
            verifying.unlock();
        }
    }

    private static long cursor(Context ctx) {
        String text = ctx.queryParam("cursor");
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            long result = Long.parseLong(text);
            if (result >= 0) {
                return result;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("cursor must be a non-negative number");
    }

    private AuditSearch window(Context ctx, AuditSearch search) {
        AuditSearch result = search;
        Instant now = console.services().clock().instant();
        String since = ctx.queryParam("since");
        if (since != null && !since.isBlank()) {
            result = result.withSince(instant("since", since, now));
        }
        String until = ctx.queryParam("until");
        if (until != null && !until.isBlank()) {
            result = result.withUntil(instant("until", until, now));
        }
        return result;
    }

    /** An ISO-8601 instant, or a duration ago such as {@code 1d}. */
    private static Instant instant(String key, String text, Instant now) {
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            try {
                return now.minus(Durations.parse(text.strip()));
            } catch (IllegalArgumentException notDuration) {
                throw new IllegalArgumentException(key + " must be an ISO-8601 instant or a duration ago such as 1d");
            }
        }
    }
}
