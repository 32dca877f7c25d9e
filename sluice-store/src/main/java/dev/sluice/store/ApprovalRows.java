package dev.sluice.store;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;

import dev.sluice.core.approval.Vote;
import dev.sluice.core.identity.Principal;

/** The JSON columns of the approval tables: the requester's principal and the votes. Pure. */
final class ApprovalRows {
    private static final TypeReference<List<Map<String, Object>>> LIST_OF_MAPS = new TypeReference<>() { };

    private ApprovalRows() {
    }

    static Map<String, Object> principal(Principal p) {
        Map<String, Object> result = new TreeMap<>();
        result.put("issuer", p.issuer());
        result.put("subject", p.subject());
        result.put("display_name", p.displayName());
        result.put("groups", p.groups().stream().sorted().toList());
        result.put("kind", p.kind().name());
        result.put("actors", p.actors().stream().map(a -> Map.of("subject", a.subject(), "client_id",
                a.clientId())).toList());
        return result;
    }

    @SuppressWarnings("unchecked")
    static Principal principal(Map<String, Object> map) {
        List<Map<String, Object>> actors = (List<Map<String, Object>>) map.get("actors");
        return new Principal((String) map.get("issuer"), (String) map.get("subject"),
                (String) map.get("display_name"), new LinkedHashSet<>((List<String>) map.get("groups")),
                Principal.Kind.valueOf((String) map.get("kind")), actors.stream().map(a -> new Principal.Actor(
                (String) a.get("subject"), (String) a.get("client_id"))).toList());
    }

    static List<Map<String, Object>> votes(List<Vote> votes) {
        return votes.stream().map(v -> Map.<String, Object>of("approver", v.approver(), "issuer", v.issuer(),
                "display_name", v.displayName(), "approve", v.approve(), "reason", v.reason(), "time_ms",
                v.time().toEpochMilli())).toList();
    }

    static List<Vote> votes(String json) throws JsonProcessingException {
        return StoreJson.MAPPER.readValue(json, LIST_OF_MAPS).stream().map(v -> new Vote((String) v.get("approver"),
                (String) v.get("display_name"), (Boolean) v.get("approve"), (String) v.get("reason"),
                Instant.ofEpochMilli(((Number) v.get("time_ms")).longValue()),
                v.get("issuer") instanceof String issuer ? issuer : "")).toList();
    }
}
