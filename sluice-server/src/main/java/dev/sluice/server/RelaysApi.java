package dev.sluice.server;

import java.util.LinkedHashMap;
import java.util.Map;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import dev.sluice.relay.RelayStatus;

/**
 * The connected relays over REST, for members of the auditor groups: {@code GET /api/relays} lists each relay's id,
 * group, address, when it connected, its last heartbeat, whether it is healthy, its open sessions and when its
 * certificate expires.
 */
final class RelaysApi {
    private RelaysApi() {
    }

    static void register(RoutesConfig routes, Gateway gateway) {
        routes.get("/api/relays", ctx -> list(ctx, gateway));
    }

    private static void list(Context ctx, Gateway gateway) {
        if (ApiAuth.auditor(ctx, gateway).isEmpty()) {
            return;
        }
        ctx.json(Map.of("relays", gateway.relays().stream().map(RelaysApi::json).toList()));
    }

    static Map<String, Object> json(RelayStatus relay) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", relay.id());
        result.put("group", relay.group());
        result.put("address", relay.address());
        result.put("connected_since", relay.connectedSince().toString());
        result.put("last_heartbeat", relay.lastHeartbeat().toString());
        result.put("healthy", relay.healthy());
        result.put("sessions", relay.sessions());
        result.put("certificate_expires", relay.certificateExpires().toString());
        return result;
    }
}
