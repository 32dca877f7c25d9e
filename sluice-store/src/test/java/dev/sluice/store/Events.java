package dev.sluice.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.identity.Principal;

/** Test events with millisecond-exact times (the store keeps epoch milliseconds). */
final class Events {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    private Events() {
    }

    static Principal alice() {
        return new Principal("https://idp.example", "alice", "Alice Liddell", Set.of("dev", "dba"),
                Principal.Kind.HUMAN, List.of(new Principal.Actor("agent-7", "claude-code")));
    }

    static AuditContext ctx(String session, String subject, String connection) {
        Principal principal = new Principal("https://idp.example", subject, subject, Set.of("dev"),
                Principal.Kind.MACHINE, List.of());
        return new AuditContext(new SessionId(session), Optional.of(principal), connection, "10.0.0.9:5123");
    }

    static AuditEvent statement(Instant time, AuditContext ctx, long id, String text) {
        return new AuditEvent.CommandEvaluated(time, ctx, id, text, List.of(), "SELECT", "allow", "", "");
    }

    static AuditEvent statement(long id) {
        return statement(T0.plusMillis(id), ctx("s-0000000000000001", "bot", "prod"), id, "SELECT " + id);
    }

    static AuditEvent ended(Instant time, AuditContext ctx) {
        return new AuditEvent.SessionEnded(time, ctx, 10, 20, Duration.ofMillis(5), "client closed");
    }
}
