package dev.sluice.console;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.console.BrowserSessions.BrowserSession;

/**
 * Live sessions and the kill switch, for auditors: the list from the gateway's live-session registry, and ending
 * one with a reason (required), which the registry audits with who ended it.
 */
final class LiveRoutes {
    static final int MAX_REASON = 500;

    private final Console console;
    private final Guard guard;

    LiveRoutes(Console console, Guard guard) {
        this.console = console;
        this.guard = guard;
    }

    void register(RoutesConfig routes) {
        routes.get("/console/api/live", this::list);
        routes.post("/console/api/live/{id}/end", this::end);
    }

    private void list(Context ctx) {
        Optional<BrowserSession> session = guard.api(ctx);
        if (session.isEmpty() || !auditor(ctx, session.get())) {
            return;
        }
        ctx.json(Map.of("sessions", console.services().live().list().stream().map(s -> {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("id", s.id());
            result.put("subject", s.subject());
            result.put("groups", s.groups());
            result.put("connection", s.connection());
            result.put("protocol", s.protocol());
            result.put("client_address", s.clientAddress());
            result.put("started", s.started().toString());
            result.put("actors", s.actors());
            result.put("bytes_in", s.bytesFromClient());
            result.put("bytes_out", s.bytesToClient());
            result.put("commands", s.commands());
            return result;
        }).toList()));
    }

    private void end(Context ctx) {
        Optional<BrowserSession> session = guard.change(ctx);
        if (session.isEmpty() || !auditor(ctx, session.get())) {
            return;
        }
        String reason = Json.field(ctx.body().length() > 16 * 1024 ? "" : ctx.body(), "reason").strip();
        if (reason.isEmpty() || reason.length() > MAX_REASON) {
            ctx.status(400).json(Map.of("error", "a reason of 1 to " + MAX_REASON + " characters is required"));
            return;
        }
        if (!console.services().live().end(ctx.pathParam("id"), session.get().principal(), reason)) {
            ctx.status(404).json(Map.of("error", "no such live session"));
            return;
        }
        ctx.json(Map.of("ended", ctx.pathParam("id")));
    }

    private boolean auditor(Context ctx, BrowserSession session) {
        if (console.services().auditor().test(session.principal())) {
            return true;
        }
        ctx.status(403).json(Map.of("error", "only members of the auditor groups may see and end live sessions"));
        return false;
    }
}
