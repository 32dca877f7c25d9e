package dev.sluice.core.approval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.identity.Principal;

/**
 * The one JSON view of a request, shared by the REST API and the webhook: plain maps and lists, keys in snake_case.
 * Pure.
 */
public final class ApprovalJson {
    private ApprovalJson() {
    }

    public static Map<String, Object> of(ApprovalRequest request, ApprovalLinks links) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", request.id());
        result.put("kind", request.kind().label());
        result.put("state", request.state().label());
        result.put("requester", requester(request.requester()));
        result.put("connection", request.connection());
        result.put("session", request.session());
        result.put("statement", request.statement());
        result.put("classification", request.classification());
        result.put("rule", request.rule());
        result.put("reason", request.reason());
        result.put("justification", request.justification());
        result.put("approvers", request.approvers().stream().sorted().toList());
        result.put("approvals_required", request.approvalsRequired());
        result.put("approvals", request.approvals());
        result.put("scope", request.scope().label());
        result.put("grant_seconds", request.grantFor().toSeconds());
        result.put("created", request.created().toString());
        result.put("expires", request.expires().toString());
        result.put("votes", request.votes().stream().map(v -> Map.of("approver", v.approver(), "issuer", v.issuer(),
                "decision", v.approve() ? "approve" : "reject", "reason", v.reason(), "time", v.time().toString()))
                .toList());
        result.put("note", request.note());
        if (!request.preview().isEmpty()) {
            result.put("preview", request.preview().toMap());
        }
        result.put("links", Map.of("self", links.request().toString(), "approve", links.approve().toString(),
                "reject", links.reject().toString(), "console", links.console().toString()));
        return result;
    }

    static Map<String, Object> requester(Principal principal) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("issuer", principal.issuer());
        result.put("subject", principal.subject());
        result.put("display_name", principal.displayName());
        result.put("kind", principal.kind().label());
        result.put("groups", principal.groups().stream().sorted().toList());
        List<String> actors = principal.actors().stream().map(Principal.Actor::subject).toList();
        result.put("actors", actors);
        return result;
    }
}
