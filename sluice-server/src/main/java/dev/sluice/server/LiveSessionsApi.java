package dev.sluice.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.core.identity.Principal;
import dev.sluice.core.session.LiveSession;

/**
 * The live-session registry over REST, for members of the auditor groups: {@code GET /api/sessions/live} lists the
 * open sessions of every protocol; {@code DELETE /api/sessions/live/{id}?reason=...} ends one. The client is told in
 * its protocol (PostgreSQL: FATAL 57P01) and the session's {@code session.end} says who ended it and why.
 */
final class LiveSessionsApi {
    private static final int MAX_REASON = 500;

    private final Gateway gateway;

    private LiveSessionsApi(Gateway gateway) {
        this.gateway = gateway;
    }

    /** Registered before {@code /api/sessions/{id}}, which would otherwise take {@code live} for an id. */
    static void register(RoutesConfig routes, Gateway gateway) {
        LiveSessionsApi api = new LiveSessionsApi(gateway);
        routes.get("/api/sessions/live", api::list);
        routes.delete("/api/sessions/live/{id}", api::kill);
    }

    private void list(Context ctx) {
        if (ApiAuth.auditor(ctx, gateway).isEmpty()) {
            return;
        }
        ctx.json(Map.of("sessions", gateway.sessions().list().stream().map(LiveSessionsApi::json).toList()));
    }

    private void kill(Context ctx) {
        Optional<Principal> who = ApiAuth.auditor(ctx, gateway);
        if (who.isEmpty()) {
            return;
        }
        String reason = Optional.ofNullable(ctx.queryParam("reason")).orElse("").strip();
        if (reason.length() > MAX_REASON) {
            ctx.status(400).json(Map.of("error", "the reason is longer than " + MAX_REASON + " characters"));
            return;
        }
        String id = ctx.pathParam("id");
        String by = who.get().subject() + " (" + who.get().issuer() + ")";
        if (!gateway.sessions().kill(id, by, dev.sluice.core.audit.AuditText.callerString(reason))) {
            ctx.status(404).json(Map.of("error", "no open session " + dev.sluice.core.audit.AuditText
                    .callerString(id)));
            return;
        }
        ctx.status(202).json(Map.of("id", id, "ended_by", by, "reason", reason));
    }

    static Map<String, Object> json(LiveSession s) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", s.id());
        result.put("subject", s.subject());
        result.put("issuer", s.issuer());
        result.put("groups", s.groups());
        result.put("actors", s.actors());
        result.put("connection", s.connection());
        result.put("protocol", s.protocol());
        result.put("client_address", s.clientAddress());
        result.put("started", s.started().toString());
        result.put("bytes_from_client", s.bytesFromClient());
        result.put("bytes_to_client", s.bytesToClient());
        result.put("commands", s.commands());
        return result;
    }

}
