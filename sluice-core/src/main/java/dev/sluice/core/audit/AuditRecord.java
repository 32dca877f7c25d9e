package dev.sluice.core.audit;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One stored event as read back: the flat, queryable fields every event shares plus the kind-specific details.
 * This is what {@code sluice audit --json} prints, one per line.
 *
 * @param seq        position in the trail (1-based, gap-free)
 * @param session    session id, empty for gateway-wide events
 * @param statement  statement text, empty when the event has none
 * @param verdict    allow/deny/hold for statements, empty otherwise
 * @param rows       rows affected or returned, -1 when unknown or not applicable
 * @param error      error message or refusal reason, empty when none
 * @param details    every other field of the event, by its JSON name
 */
public record AuditRecord(long seq, Instant time, String kind, String session, String subject, List<String> groups,
                          String connection, String statement, String verdict, long rows, String error,
                          Map<String, Object> details) {
    public AuditRecord {
        groups = List.copyOf(groups);
        details = Map.copyOf(details);
    }
}
