package dev.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.core.approval.ApprovalException;
import dev.sluice.core.approval.ApprovalJson;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.approval.Approvals;
import dev.sluice.core.config.Durations;
import dev.sluice.core.identity.InvalidTokenException;
import dev.sluice.core.identity.Principal;

/**
 * The approvals REST API on the http listener (described by {@code /api/openapi.yaml}). Every call but the OpenAPI
 * document needs an OIDC bearer token, verified like an agent's. Errors are JSON {@code {"error": "..."}}: 400 bad
 * input, 401 no or bad token, 403 not an approver or a party to the request, 404 unknown id, 409 already decided,
 * 503 store unavailable. Handlers run on Javalin's virtual threads.
 */
final class ApprovalsApi {
    static final int MAX_BODY = 16 * 1024;
    /** Request attribute: the API already wrote its error body (the listener's generic 404 body must not replace it). */
    static final String ANSWERED = "sluice.answered";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Gateway gateway;

    private ApprovalsApi(Gateway gateway) {
        this.gateway = gateway;
    }

    static void register(RoutesConfig routes, Gateway gateway) {
        ApprovalsApi api = new ApprovalsApi(gateway);
        routes.get("/api/openapi.yaml", ApprovalsApi::openApi);
        routes.get("/api/approvals", ctx -> api.guarded(ctx, api::list));
        routes.get("/api/approvals/{id}", ctx -> api.guarded(ctx, api::show));
        routes.post("/api/approvals/{id}/approve", ctx -> api.guarded(ctx, (c, p) -> api.decide(c, p, true)));
        routes.post("/api/approvals/{id}/reject", ctx -> api.guarded(ctx, (c, p) -> api.decide(c, p, false)));
        routes.post("/api/access-requests", ctx -> api.guarded(ctx, api::requestAccess));
    }

    @FunctionalInterface
    private interface Call {
        void run(Context ctx, Principal caller) throws IOException;
    }

    private void guarded(Context ctx, Call call) throws IOException {
        Optional<Principal> caller = authenticate(ctx);
        if (caller.isEmpty()) {
            return;
        }
        try {
            call.run(ctx, caller.get());
        } catch (ApprovalException e) {
            ctx.attribute(ANSWERED, true);
            ctx.status(switch (e.problem()) {
                case NOT_FOUND -> 404;
                case FORBIDDEN -> 403;
                case CONFLICT -> 409;
                case INVALID -> 400;
                case UNAVAILABLE -> 503;
            }).json(Map.of("error", e.getMessage()));
        }
    }

    private Optional<Principal> authenticate(Context ctx) {
        String header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            ctx.status(401).header("WWW-Authenticate", "Bearer").json(Map.of("error", "a bearer token is required"));
            return Optional.empty();
        }
        try {
            return Optional.of(gateway.verifier().verify(header.substring(7).strip()));
        } catch (InvalidTokenException e) {
            ctx.status(401).header("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                    .json(Map.of("error", "invalid token: " + e.getMessage()));
            return Optional.empty();
        }
    }

    private void list(Context ctx, Principal caller) {
        Optional<ApprovalState> state = Optional.empty();
        String filter = ctx.queryParam("state");
        if (filter != null && !filter.equals("all")) {
            state = Optional.of(ApprovalState.parse(filter).orElseThrow(() -> new ApprovalException(
                    ApprovalException.Problem.INVALID, "unknown state '" + shorten(filter) + "'")));
        }
        int limit = parseLimit(ctx.queryParam("limit"));
        Approvals approvals = gateway.approvals();
        List<Map<String, Object>> result = approvals.list(state, limit).stream().filter(r -> visibleTo(r, caller))
                .map(r -> view(approvals, r)).toList();
        ctx.json(result);
    }

    private void show(Context ctx, Principal caller) {
        Approvals approvals = gateway.approvals();
        ApprovalRequest request = approvals.find(ctx.pathParam("id")).filter(r -> visibleTo(r, caller))
                .orElseThrow(() -> new ApprovalException(ApprovalException.Problem.NOT_FOUND,
                        "no approval request " + shorten(ctx.pathParam("id"))));
        ctx.json(view(approvals, request));
    }

    private static boolean visibleTo(ApprovalRequest request, Principal caller) {
        return request.visibleTo(caller);
    }

    private void decide(Context ctx, Principal caller, boolean approve) throws IOException {
        JsonNode body = body(ctx);
        String reason = body.path("reason").asText("");
        Approvals approvals = gateway.approvals();
        ApprovalRequest result = approvals.decide(ctx.pathParam("id"), caller, approve, reason);
        ctx.json(view(approvals, result));
    }

    private void requestAccess(Context ctx, Principal caller) throws IOException {
        JsonNode body = body(ctx);
        String connection = body.path("connection").asText("");
        Duration duration;
        try {
            duration = Durations.parse(body.path("duration").asText(""));
        } catch (IllegalArgumentException e) {
            throw new ApprovalException(ApprovalException.Problem.INVALID, "duration: " + e.getMessage());
        }
        Approvals approvals = gateway.approvals();
        ApprovalRequest result = approvals.requestAccess(caller, connection, duration,
                body.path("reason").asText(""), ctx.ip());
        ctx.status(201).json(view(approvals, result));
    }

    private static JsonNode body(Context ctx) throws IOException {
        String text = ctx.body();
        if (text.length() > MAX_BODY) {
            throw new ApprovalException(ApprovalException.Problem.INVALID, "body larger than " + MAX_BODY + " bytes");
        }
        if (text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode result = JSON.readTree(text);
            if (!result.isObject()) {
                throw new ApprovalException(ApprovalException.Problem.INVALID, "expected a JSON object");
            }
            return result;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApprovalException(ApprovalException.Problem.INVALID, "invalid JSON body");
        }
    }

    private static Map<String, Object> view(Approvals approvals, ApprovalRequest request) {
        return ApprovalJson.of(request, approvals.links(request.id()));
    }

    private static int parseLimit(String text) {
        if (text == null) {
            return 100;
        }
        try {
            return Math.clamp(Integer.parseInt(text), 1, 1000);
        } catch (NumberFormatException e) {
            throw new ApprovalException(ApprovalException.Problem.INVALID, "limit must be an integer");
        }
    }

    private static String shorten(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "…" : text;
    }

    private static void openApi(Context ctx) throws IOException {
        try (InputStream in = ApprovalsApi.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                ctx.status(404).json(Map.of("error", "not found"));
                return;
            }
            ctx.contentType("application/yaml").result(in.readAllBytes());
        }
    }
}
