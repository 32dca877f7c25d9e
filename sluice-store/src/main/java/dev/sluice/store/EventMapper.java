package dev.sluice.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditEvent.AccessDenied;
import dev.sluice.core.audit.AuditEvent.ApprovalClosed;
import dev.sluice.core.audit.AuditEvent.ApprovalDecided;
import dev.sluice.core.audit.AuditEvent.ApprovalNotified;
import dev.sluice.core.audit.AuditEvent.ApprovalRefused;
import dev.sluice.core.audit.AuditEvent.ApprovalRequested;
import dev.sluice.core.audit.AuditEvent.AuthFailed;
import dev.sluice.core.audit.AuditEvent.CommandCompleted;
import dev.sluice.core.audit.AuditEvent.CommandEvaluated;
import dev.sluice.core.audit.AuditEvent.ConfigReloaded;
import dev.sluice.core.audit.AuditEvent.RecordingChunk;
import dev.sluice.core.audit.AuditEvent.SessionEnded;
import dev.sluice.core.audit.AuditEvent.SessionStarted;
import dev.sluice.core.identity.Principal;

/**
 * Flattens each {@link AuditEvent} variant into the queryable columns plus a {@code details} object holding every
 * other field, keyed by snake_case names. Session, subject, groups and connection come from the event's
 * {@link AuditContext}; {@code client_address} goes into the details of every session event. Null text is stored as
 * {@code ""}, a null duration as {@code -1}. Adding an event variant means a new case here (the switch is exhaustive).
 * Pure: runs on the appending caller's thread.
 */
final class EventMapper {
    private static final String ALLOW = "allow";

    private EventMapper() {
    }

    static EventFields map(AuditEvent event) {
        return switch (event) {
            case SessionStarted e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("protocol", text(e.protocol()));
                details.put("claimed_user", text(e.claimedUser()));
                details.put("application_name", text(e.applicationName()));
                e.ctx().principal().ifPresent(p -> principalDetails(p, details));
                yield fields(e, e.ctx(), "", "", -1, "", details);
            }
            case AuthFailed e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("protocol", text(e.protocol()));
                details.put("claimed_user", text(e.claimedUser()));
                yield fields(e, e.ctx(), "", "", -1, text(e.reason()), details);
            }
            case AccessDenied e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("protocol", text(e.protocol()));
                yield fields(e, e.ctx(), "", "", -1, text(e.reason()), details);
            }
            case CommandEvaluated e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("statement_id", e.statementId());
                details.put("parameters", e.parameters());
                details.put("command_kind", text(e.commandKind()));
                details.put("rule", text(e.rule()));
                details.put("reason", text(e.reason()));
                String error = ALLOW.equals(e.verdict()) ? "" : text(e.reason());
                yield fields(e, e.ctx(), text(e.text()), text(e.verdict()), -1, error, details);
            }
            case CommandCompleted e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("statement_id", e.statementId());
                details.put("tag", text(e.tag()));
                details.put("sqlstate", text(e.sqlState()));
                details.put("duration_ms", millis(e.duration()));
                if (!e.masked().isEmpty()) {
                    details.put("masked", new TreeMap<>(e.masked()));
                }
                yield fields(e, e.ctx(), "", "", e.rows(), text(e.error()), details);
            }
            case SessionEnded e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("bytes_from_client", e.bytesFromClient());
                details.put("bytes_to_client", e.bytesToClient());
                details.put("duration_ms", millis(e.duration()));
                details.put("reason", text(e.reason()));
                yield fields(e, e.ctx(), "", "", -1, "", details);
            }
            case ApprovalRequested e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("approval_id", e.approvalId());
                details.put("statement_id", e.statementId());
                details.put("request_kind", text(e.requestKind()));
                details.put("rule", text(e.rule()));
                details.put("approvers", e.approvers());
                details.put("approvals_required", e.approvalsRequired());
                details.put("expires_ms", e.expires().toEpochMilli());
                details.put("justification", text(e.justification()));
                yield fields(e, e.ctx(), "", "hold", -1, "", details);
            }
            case ApprovalNotified e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("approval_id", e.approvalId());
                details.put("channel", text(e.channel()));
                details.put("delivered", e.delivered());
                details.put("attempts", e.attempts());
                yield fields(e, e.ctx(), "", "", -1, text(e.error()), details);
            }
            case ApprovalDecided e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("approval_id", e.approvalId());
                details.put("statement_id", e.statementId());
                details.put("approver", text(e.approver()));
                if (e.approverIssuer() != null && !e.approverIssuer().isEmpty()) {
                    details.put("approver_issuer", e.approverIssuer());
                }
                details.put("reason", text(e.reason()));
                details.put("state", text(e.state()));
                yield fields(e, e.ctx(), "", text(e.decision()), -1, "", details);
            }
            case ApprovalRefused e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("approval_id", e.approvalId());
                details.put("statement_id", e.statementId());
                details.put("caller", text(e.caller()));
                details.put("caller_issuer", text(e.callerIssuer()));
                details.put("decision", text(e.decision()));
                yield fields(e, e.ctx(), "", "refused", -1, text(e.reason()), details);
            }
            case ApprovalClosed e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("approval_id", e.approvalId());
                details.put("statement_id", e.statementId());
                details.put("detail", text(e.detail()));
                yield fields(e, e.ctx(), "", text(e.outcome()), -1, "", details);
            }
            case RecordingChunk e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("format", text(e.format()));
                details.put("index", e.index());
                details.put("content", text(e.content()));
                yield fields(e, e.ctx(), "", "", -1, "", details);
            }
            case AuditEvent.PersonSignIn e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("method", text(e.method()));
                details.put("accepted", e.accepted());
                e.ctx().principal().ifPresent(p -> principalDetails(p, details));
                yield fields(e, e.ctx(), "", e.accepted() ? "allow" : "deny", -1, text(e.reason()), details);
            }
            case AuditEvent.RelayEvent e -> {
                Map<String, Object> details = new TreeMap<>();
                details.put("relay_id", text(e.relayId()));
                details.put("group", text(e.group()));
                details.put("accepted", e.accepted());
                yield new EventFields(e.time().toEpochMilli(), e.kind(), "", "", "[]", "", "",
                        e.accepted() ? ALLOW : "deny", -1, text(e.detail()), StoreJson.write(details));
            }
            case AuditEvent.PersonSignOut e -> {
                Map<String, Object> details = sessionDetails(e.ctx());
                details.put("method", text(e.method()));
                details.put("reason", text(e.reason()));
                e.ctx().principal().ifPresent(p -> principalDetails(p, details));
                yield fields(e, e.ctx(), "", "allow", -1, "", details);
            }
            case ConfigReloaded e -> {
                Map<String, Object> details = new TreeMap<>();
                details.put("source", text(e.source()));
                details.put("accepted", e.accepted());
                details.put("problems", e.problems());
                yield new EventFields(e.time().toEpochMilli(), e.kind(), "", "", "[]", "", "", "", -1, "",
                        StoreJson.write(details));
            }
        };
    }

    private static Map<String, Object> sessionDetails(AuditContext ctx) {
        Map<String, Object> result = new TreeMap<>();
        result.put("client_address", text(ctx.clientAddress()));
        return result;
    }

    private static void principalDetails(Principal principal, Map<String, Object> details) {
        details.put("principal_kind", principal.kind().label());
        details.put("display_name", principal.displayName());
        details.put("issuer", principal.issuer());
        details.put("actors", principal.actors().stream()
                .map(a -> Map.of("subject", a.subject(), "client_id", a.clientId()))
                .toList());
    }

    private static EventFields fields(AuditEvent event, AuditContext ctx, String statement, String verdict, long rows,
                                      String error, Map<String, Object> details) {
        String subject = ctx.principal().map(Principal::subject).orElse("");
        List<String> groups = ctx.principal().map(p -> p.groups().stream().sorted().toList()).orElse(List.of());
        return new EventFields(event.time().toEpochMilli(), event.kind(), ctx.session().value(), subject,
                StoreJson.write(groups), ctx.connection(), statement, verdict, rows, error, StoreJson.write(details));
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }

    private static long millis(Duration duration) {
        return duration == null ? -1 : duration.toMillis();
    }
}
