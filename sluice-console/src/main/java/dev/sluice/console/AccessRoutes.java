package dev.sluice.console;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.console.BrowserSessions.BrowserSession;
import dev.sluice.core.approval.ApprovalException;
import dev.sluice.core.approval.ApprovalJson;
import dev.sluice.core.approval.ApprovalKind;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.Approvals;
import dev.sluice.core.config.Durations;
import dev.sluice.core.identity.Principal;

/**
 * Time-bound access: the connections a person is allowed on, their active grants, their own access requests, and
 * a new request through {@link Approvals#requestAccess} (which checks the connection, the duration bound and that
 * approvers are configured, stores and audits it, and notifies the approvers).
 */
final class AccessRoutes {
    private final Console console;
    private final Guard guard;

    AccessRoutes(Console console, Guard guard) {
        this.console = console;
        this.guard = guard;
    }

    void register(RoutesConfig routes) {
        routes.get("/console/api/access", this::overview);
        routes.post("/console/api/access", this::request);
    }

    private void overview(Context ctx) {
        Optional<BrowserSession> session = guard.api(ctx);
        if (session.isEmpty()) {
            return;
        }
        Principal person = session.get().principal();
        Approvals approvals = console.services().approvals();
        List<Map<String, Object>> connections = console.services().state().get().config().connections().stream()
                .filter(c -> c.allow().permits(person)).map(c -> {
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("name", c.name());
                    result.put("type", c.type());
                    result.put("requires_grant", approvals.required(c.name()));
                    result.put("grant_until", approvals.activeUntil(person, c.name()).map(Object::toString)
                            .orElse(null));
                    return result;
                }).toList();
        List<Map<String, Object>> mine = approvals.list(Optional.empty(), 1000).stream()
                .filter(r -> r.kind() == ApprovalKind.ACCESS && r.madeBy(person)).limit(200)
                .map(r -> view(approvals, r)).toList();
        ctx.json(Map.of("connections", connections, "requests", mine));
    }

    private void request(Context ctx) {
        Optional<BrowserSession> session = guard.change(ctx);
        if (session.isEmpty()) {
            return;
        }
        String body = ctx.body();
        if (body.length() > 16 * 1024) {
            ctx.status(400).json(Map.of("error", "body too large"));
            return;
        }
        Principal person = session.get().principal();
        String connection = Json.field(body, "connection");
        if (console.services().state().get().config().connection(connection)
                .filter(c -> c.allow().permits(person)).isEmpty()) {
            ctx.status(400).json(Map.of("error", "you are not allowed on connection '"
                    + PageRoutes.shorten(connection) + "'"));
            return;
        }
        try {
            Duration duration = Durations.parse(Json.field(body, "duration"));
            Approvals approvals = console.services().approvals();
            ApprovalRequest result = approvals.requestAccess(person, connection, duration,
                    Json.field(body, "reason"), ctx.ip());
            ctx.status(201).json(view(approvals, result));
        } catch (IllegalArgumentException e) {
            ctx.status(400).json(Map.of("error", "duration: " + e.getMessage()));
        } catch (ApprovalException e) {
            ctx.status(e.problem() == ApprovalException.Problem.UNAVAILABLE ? 503 : 400)
                    .json(Map.of("error", e.getMessage()));
        }
    }

    private static Map<String, Object> view(Approvals approvals, ApprovalRequest request) {
        return ApprovalJson.of(request, approvals.links(request.id()));
    }
}
