package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.SessionId;

class SqliteAuditLogRoundTripTest {
    private static final String SESSION = "s-00000000000000aa";
    private static final Instant T = Events.T0;

    @TempDir
    Path dir;
    private SqliteAuditLog log;
    private AuditContext ctx;

    @BeforeEach
    void open() {
        log = SqliteAuditLog.open(dir.resolve("nested/data/audit.db"), Events.CLOCK);
        ctx = new AuditContext(new SessionId(SESSION), Optional.of(Events.alice()), "prod", "10.0.0.9:5123");
    }

    @AfterEach
    void close() {
        log.close();
    }

    private AuditRecord roundTrip(AuditEvent event) {
        long seq = log.append(event);
        List<AuditRecord> found = log.query(AuditQuery.all());
        assertThat(found).last().extracting(AuditRecord::seq).isEqualTo(seq);
        return found.getLast();
    }

    @Test
    void storesSessionStartedWithPrincipalAndDelegationChain() {
        AuditRecord record = roundTrip(new AuditEvent.SessionStarted(T, ctx, "postgres", "alice", "psql"));

        assertThat(record).isEqualTo(new AuditRecord(1, T, "session.start", SESSION, "alice", List.of("dba", "dev"),
                "prod", "", "", -1, "", Map.of(
                        "protocol", "postgres", "claimed_user", "alice", "application_name", "psql",
                        "client_address", "10.0.0.9:5123", "principal_kind", "human",
                        "display_name", "Alice Liddell", "issuer", "https://idp.example",
                        "actors", List.of(Map.of("subject", "agent-7", "client_id", "claude-code")))));
    }

    @Test
    void storesAuthFailureWithoutPrincipal() {
        AuditContext anonymous = new AuditContext(new SessionId(SESSION), Optional.empty(), "prod", "10.0.0.9:5123");

        AuditRecord record = roundTrip(new AuditEvent.AuthFailed(T, anonymous, "postgres", "mallory", "bad signature"));

        assertThat(record).isEqualTo(new AuditRecord(1, T, "auth.failure", SESSION, "", List.of(), "prod", "", "", -1,
                "bad signature", Map.of("protocol", "postgres", "claimed_user", "mallory",
                        "client_address", "10.0.0.9:5123")));
    }

    @Test
    void storesAccessDeniedReasonAsError() {
        AuditRecord record = roundTrip(new AuditEvent.AccessDenied(T, ctx, "postgres", "no grant for prod"));

        assertThat(record).isEqualTo(new AuditRecord(1, T, "access.denied", SESSION, "alice", List.of("dba", "dev"),
                "prod", "", "", -1, "no grant for prod",
                Map.of("protocol", "postgres", "client_address", "10.0.0.9:5123")));
    }

    @Test
    void storesAllowedStatementWithoutError() {
        AuditRecord record = roundTrip(new AuditEvent.CommandEvaluated(T, ctx, 7, "SELECT * FROM t WHERE id = $1",
                List.of("42", "***"), "SELECT", "allow", "read-only", ""));

        assertThat(record).isEqualTo(new AuditRecord(1, T, "command", SESSION, "alice", List.of("dba", "dev"),
                "prod", "SELECT * FROM t WHERE id = $1", "allow", -1, "", Map.of(
                        "statement_id", 7L, "parameters", List.of("42", "***"), "command_kind", "SELECT",
                        "rule", "read-only", "reason", "", "client_address", "10.0.0.9:5123")));
    }

    @Test
    void storesRefusedStatementReasonAsError() {
        AuditRecord record = roundTrip(new AuditEvent.CommandEvaluated(T, ctx, 8, "DELETE FROM t", List.of(),
                "DELETE", "deny", "no-unbounded-delete", "DELETE without WHERE"));

        assertThat(record.verdict()).isEqualTo("deny");
        assertThat(record.error()).isEqualTo("DELETE without WHERE");
        assertThat(record.details()).containsEntry("reason", "DELETE without WHERE")
                .containsEntry("rule", "no-unbounded-delete");
    }

    @Test
    void storesStatementCompletionWithRowsAndError() {
        AuditRecord record = roundTrip(new AuditEvent.CommandCompleted(T, ctx, 7, "UPDATE 3", 3, "", "",
                Duration.ofMillis(12)));
        AuditRecord failed = roundTrip(new AuditEvent.CommandCompleted(T, ctx, 8, "", -1, "42P01",
                "relation \"x\" does not exist", Duration.ofMillis(1)));

        assertThat(record).isEqualTo(new AuditRecord(1, T, "command.result", SESSION, "alice",
                List.of("dba", "dev"), "prod", "", "", 3, "", Map.of("statement_id", 7L, "tag", "UPDATE 3",
                "sqlstate", "", "duration_ms", 12L, "client_address", "10.0.0.9:5123")));
        assertThat(failed.rows()).isEqualTo(-1);
        assertThat(failed.error()).isEqualTo("relation \"x\" does not exist");
        assertThat(failed.details()).containsEntry("sqlstate", "42P01");
    }

    @Test
    void storesSessionEndWithByteCounts() {
        AuditRecord record = roundTrip(new AuditEvent.SessionEnded(T, ctx, 5_000_000_000L, 2048,
                Duration.ofSeconds(90), "client terminated"));

        assertThat(record).isEqualTo(new AuditRecord(1, T, "session.end", SESSION, "alice", List.of("dba", "dev"),
                "prod", "", "", -1, "", Map.of("bytes_from_client", 5_000_000_000L, "bytes_to_client", 2048L,
                "duration_ms", 90_000L, "reason", "client terminated", "client_address", "10.0.0.9:5123")));
    }

    @Test
    void storesConfigReloadWithoutSessionFields() {
        AuditRecord record = roundTrip(new AuditEvent.ConfigReloaded(T, "/etc/sluice/sluice.yaml", false,
                List.of("connections.prod.host: missing", "policy: unknown rule x")));

        assertThat(record).isEqualTo(new AuditRecord(1, T, "config.reload", "", "", List.of(), "", "", "", -1, "",
                Map.of("source", "/etc/sluice/sluice.yaml", "accepted", false,
                        "problems", List.of("connections.prod.host: missing", "policy: unknown rule x"))));
    }

    @Test
    void storesARelayEventWithItsIdGroupAndVerdict() {
        AuditRecord refused = roundTrip(new AuditEvent.RelayEvent(T, "connect", "r-1a2b", "dc-east", false,
                "relay r-1a2b was revoked"));

        assertThat(refused).isEqualTo(new AuditRecord(1, T, "relay.connect", "", "", List.of(), "", "", "deny", -1,
                "relay r-1a2b was revoked", Map.of("relay_id", "r-1a2b", "group", "dc-east", "accepted", false)));
    }

    @Test
    void storesNullTextAsEmpty() {
        AuditRecord record = roundTrip(new AuditEvent.SessionStarted(T, ctx, "postgres", null, null));

        assertThat(record.details()).containsEntry("claimed_user", "").containsEntry("application_name", "");
    }

    @Test
    void keepsSeqAndChainAcrossReopen() {
        log.append(new AuditEvent.AccessDenied(T, ctx, "postgres", "first"));
        ChainHead before = log.head();
        log.close();

        log = SqliteAuditLog.open(dir.resolve("nested/data/audit.db"), Events.CLOCK);

        assertThat(log.head().seq()).isEqualTo(1);
        assertThat(log.head().hash()).isEqualTo(before.hash());
        assertThat(log.append(new AuditEvent.AccessDenied(T, ctx, "postgres", "second"))).isEqualTo(2);
        assertThat(log.verify().ok()).isTrue();
    }

    @Test
    void writesOneJsonObjectPerRecordInFixedFieldOrder() throws Exception {
        AuditRecord record = roundTrip(new AuditEvent.CommandEvaluated(T, ctx, 1, "SELECT '\"x\"'\n", List.of(),
                "SELECT", "allow", "", ""));

        String json = AuditJson.toJson(record);
        Map<String, Object> parsed = new ObjectMapper().readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });

        assertThat(json).doesNotContain("\n").startsWith("{\"seq\":1,\"time\":\"2026-03-01T10:00:00.123Z\"");
        assertThat(List.copyOf(parsed.keySet())).containsExactly("seq", "time", "time_ms", "kind", "session",
                "subject", "groups", "connection", "statement", "verdict", "rows", "error", "details");
        assertThat(parsed.get("statement")).isEqualTo("SELECT '\"x\"'\n");
        assertThat(parsed.get("groups")).isEqualTo(List.of("dba", "dev"));
        assertThat(AuditJson.toMap(record)).containsEntry("time_ms", T.toEpochMilli()).containsEntry("rows", -1L);
    }
}
