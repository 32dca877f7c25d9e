package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

class AuditQueryTest {
    private static final Instant T = Events.T0;

    @TempDir
    Path dir;
    private Path file;
    private SqliteAuditLog log;

    @BeforeEach
    void fill() {
        file = dir.resolve("audit.db");
        log = SqliteAuditLog.open(file, Events.CLOCK);
        AuditContext aliceProd = Events.ctx("s-a1", "alice", "prod");
        AuditContext aliceTest = Events.ctx("s-a2", "alice", "test");
        AuditContext bobProd = Events.ctx("s-b1", "bob", "prod");
        log.append(Events.statement(T, aliceProd, 1, "SELECT 1"));            // seq 1, t+0
        log.append(Events.statement(T.plusSeconds(10), bobProd, 1, "SELECT 2")); // seq 2, t+10
        log.append(Events.statement(T.plusSeconds(20), aliceTest, 1, "SELECT 3")); // seq 3, t+20
        log.append(Events.ended(T.plusSeconds(30), aliceProd));                 // seq 4, t+30
        log.append(new AuditEvent.ConfigReloaded(T.plusSeconds(40), "file", true, List.of())); // seq 5, t+40
    }

    @AfterEach
    void close() {
        log.close();
    }

    private List<Long> seqs(AuditQuery query) {
        return log.query(query).stream().map(AuditRecord::seq).toList();
    }

    @Test
    void returnsEverythingOldestFirst() {
        assertThat(seqs(AuditQuery.all())).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void filtersBySubjectConnectionSessionAndKind() {
        assertThat(seqs(AuditQuery.all().withSubject("alice"))).containsExactly(1L, 3L, 4L);
        assertThat(seqs(AuditQuery.all().withConnection("prod"))).containsExactly(1L, 2L, 4L);
        assertThat(seqs(AuditQuery.all().withSession("s-a1"))).containsExactly(1L, 4L);
        assertThat(seqs(AuditQuery.all().withKind("command"))).containsExactly(1L, 2L, 3L);
        assertThat(seqs(AuditQuery.all().withSubject("alice").withConnection("prod").withKind("session.end")))
                .containsExactly(4L);
        assertThat(seqs(AuditQuery.all().withSubject("nobody"))).isEmpty();
    }

    @Test
    void filtersByHalfOpenTimeWindow() {
        assertThat(seqs(AuditQuery.all().withSince(T.plusSeconds(10)).withUntil(T.plusSeconds(30))))
                .containsExactly(2L, 3L);
        assertThat(seqs(AuditQuery.all().withSince(T.plusSeconds(30)))).containsExactly(4L, 5L);
        assertThat(seqs(AuditQuery.all().withUntil(T.plusMillis(1)))).containsExactly(1L);
    }

    @Test
    void limitKeepsTheNewestAndReturnsThemOldestFirst() {
        assertThat(seqs(AuditQuery.all().withLimit(2))).containsExactly(4L, 5L);
        assertThat(seqs(AuditQuery.all().withSubject("alice").withLimit(2))).containsExactly(3L, 4L);
    }

    @Test
    void rejectsLimitOutOfBounds() {
        assertThatThrownBy(() -> log.query(AuditQuery.all().withLimit(0)))
                .isInstanceOf(AuditStoreException.class).hasMessageContaining("was 0");
        assertThatThrownBy(() -> log.query(AuditQuery.all().withLimit(AuditTable.MAX_LIMIT + 1)))
                .isInstanceOf(AuditStoreException.class);
    }

    @Test
    void readsWhileAnotherInstanceAndARawReaderShareTheFile() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 500; i++) {
                log.append(Events.statement(100 + i));
            }
            writing.set(false);
        });
        List<Long> seen = new ArrayList<>();
        try (SqliteAuditLog other = SqliteAuditLog.open(file, Events.CLOCK);
             Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = raw.createStatement()) {
            while (writing.get()) {
                long count;
                try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM audit_event")) {
                    rs.next();
                    count = rs.getLong(1);
                }
                List<AuditRecord> latest = other.query(AuditQuery.all().withLimit(1));
                assertThat(latest).hasSize(1);
                assertThat(latest.getFirst().seq()).isGreaterThanOrEqualTo(count);
                seen.add(count);
            }
            writer.join();
            assertThat(other.query(AuditQuery.all().withKind("command").withLimit(10_000))).hasSize(503);
            assertThat(other.verify().ok()).isTrue();
        }
        assertThat(seen).isSorted().isNotEmpty();
    }
}
