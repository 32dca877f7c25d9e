package dev.sluice.server;

import java.util.LinkedHashMap;
import java.util.Map;

import io.javalin.config.RoutesConfig;

/**
 * The operator endpoints on the http listener; none needs a token (see {@code docs/operations.md}):
 *
 * <ul>
 *   <li>{@code GET /healthz}: liveness; 200 while the process serves HTTP.</li>
 *   <li>{@code GET /readyz}: readiness; 200 when the audit store can be written and the gateway is not draining,
 *       else 503; the JSON body says which check failed and why (no secret, no subject).</li>
 *   <li>{@code GET /metrics}: Prometheus text format ({@link GatewayMetrics}), unless {@code metrics.enabled} is
 *       false.</li>
 * </ul>
 */
final class OpsApi {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private OpsApi() {
    }

    static void register(RoutesConfig routes, Gateway gateway) {
        routes.get("/healthz", ctx -> ctx.json(Map.of("status", "alive")));
        routes.get("/readyz", ctx -> {
            Map<String, String> problems = gateway.readinessProblems();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ready", problems.isEmpty());
            body.put("checks", checks(problems));
            ctx.status(problems.isEmpty() ? 200 : 503).json(body);
        });
        if (gateway.ops().metricsEnabled()) {
            routes.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(gateway.metrics().scrape()));
        }
    }

    private static Map<String, String> checks(Map<String, String> problems) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String check : Gateway.READINESS_CHECKS) {
            result.put(check, problems.getOrDefault(check, "ok"));
        }
        return result;
    }
}
