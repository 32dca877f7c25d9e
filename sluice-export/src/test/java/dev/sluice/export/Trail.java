package dev.sluice.export;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.identity.Principal;
import dev.sluice.store.AuditStoreReader;
import dev.sluice.store.SqliteAuditLog;

/** A real embedded audit trail in a temp dir, with a reader to tail it. */
final class Trail implements AutoCloseable {
    final SqliteAuditLog log;
    final AuditStoreReader reader;
    final Path dataDir;
    private final AuditContext ctx;

    Trail(Path dataDir) {
        this.dataDir = dataDir;
        this.log = SqliteAuditLog.open(dataDir.resolve("audit.db"), Clock.systemUTC());
        this.reader = SqliteAuditLog.reader(dataDir.resolve("audit.db"));
        Principal alice = new Principal("https://idp.example", "alice", "Alice", Set.of("dev"), Principal.Kind.HUMAN,
                List.of());
        this.ctx = new AuditContext(new SessionId("s-0123456789abcdef"), Optional.of(alice), "orders", "127.0.0.1:1");
    }

    /** Appends a statement event with text "SELECT n"; returns its seq. */
    long statement(long n) {
        return log.append(new AuditEvent.CommandEvaluated(Instant.now(), ctx, n, "SELECT " + n, List.of(), "SELECT",
                n % 2 == 0 ? "allow" : "deny", "", n % 2 == 0 ? "" : "refused \"quoted\" ]"));
    }

    @Override
    public void close() {
        reader.close();
        log.close();
    }
}
