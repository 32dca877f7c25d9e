package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;

class SqliteAuditReaderTest {
    private static final Instant T = Events.T0;

    @TempDir
    Path dir;
    private SqliteAuditLog log;
    private SqliteAuditReader reader;

    @BeforeEach
    void fill() {
        log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK);
        AuditContext alice = Events.ctx("s-a1", "alice", "prod");
        AuditContext bob = Events.ctx("s-b1", "bob", "test");
        log.append(new AuditEvent.SessionStarted(T, alice, "postgres", "alice", "psql"));            // 1
        log.append(Events.statement(T.plusSeconds(1), alice, 1, "SELECT secret_50% FROM t"));         // 2
        log.append(new AuditEvent.StatementEvaluated(T.plusSeconds(2), alice, 2, "DROP TABLE t", List.of(),
                "DROP", "deny", "no-ddl", "DDL is refused"));                                        // 3
        log.append(new AuditEvent.RecordingChunk(T.plusSeconds(2), alice, "sql/v1", 2,
                "{\"text\":\"DROP TABLE t\"}"));                                                      // 4
        log.append(new AuditEvent.SessionStarted(T.plusSeconds(3), bob, "postgres", "bob", "psql"));  // 5
        log.append(Events.ended(T.plusSeconds(4), alice));                                            // 6
        reader = SqliteAuditReader.open(dir.resolve("audit.db"));
    }

    @AfterEach
    void close() {
        reader.close();
        log.close();
    }

    private List<Long> seqs(AuditSearch search) {
        return reader.search(search).stream().map(AuditRecord::seq).toList();
    }

    @Test
    void pagesForwardFromTheCursor() {
        assertThat(seqs(AuditSearch.all().withLimit(2))).containsExactly(1L, 2L);
        assertThat(seqs(AuditSearch.all().withAfterSeq(2).withLimit(2))).containsExactly(3L, 4L);
        assertThat(seqs(AuditSearch.all().withAfterSeq(6))).isEmpty();
        assertThat(reader.after(4, 100)).extracting(AuditRecord::seq).containsExactly(5L, 6L);
        assertThat(reader.headSeq()).isEqualTo(6);
    }

    @Test
    void filtersByFieldsGroupVerdictAndTime() {
        assertThat(seqs(AuditSearch.all().with(Field.SUBJECT, "bob"))).containsExactly(5L);
        assertThat(seqs(AuditSearch.all().with(Field.VERDICT, "deny"))).containsExactly(3L);
        assertThat(seqs(AuditSearch.all().with(Field.KIND, "recording"))).containsExactly(4L);
        assertThat(seqs(AuditSearch.all().with(Field.GROUP, "dev").with(Field.CONNECTION, "test")))
                .containsExactly(5L);
        assertThat(seqs(AuditSearch.all().with(Field.GROUP, "de"))).isEmpty();
        assertThat(seqs(AuditSearch.all().withSince(T.plusSeconds(2)).withUntil(T.plusSeconds(4))))
                .containsExactly(3L, 4L, 5L);
    }

    @Test
    void textMatchesSubstringsLiterallyInStatementsErrorsAndDetails() {
        assertThat(seqs(AuditSearch.all().with(Field.TEXT, "50%"))).containsExactly(2L);
        assertThat(seqs(AuditSearch.all().with(Field.TEXT, "_50"))).containsExactly(2L);
        assertThat(seqs(AuditSearch.all().with(Field.TEXT, "ddl is"))).containsExactly(3L);
        assertThat(seqs(AuditSearch.all().with(Field.TEXT, "\"text\":\"DROP"))).containsExactly(4L);
        assertThat(seqs(AuditSearch.all().with(Field.TEXT, "x%y"))).isEmpty();
    }

    @Test
    void listsSessionsNewestFirstWithEndAndStatementCount() {
        List<SessionSummary> sessions = reader.sessions(AuditSearch.all());
        assertThat(sessions).extracting(SessionSummary::id).containsExactly("s-b1", "s-a1");
        SessionSummary alice = sessions.get(1);
        assertThat(alice.subject()).isEqualTo("alice");
        assertThat(alice.connection()).isEqualTo("prod");
        assertThat(alice.protocol()).isEqualTo("postgres");
        assertThat(alice.started()).isEqualTo(T);
        assertThat(alice.ended()).contains(T.plusSeconds(4));
        assertThat(alice.endReason()).isEqualTo("client closed");
        assertThat(alice.statements()).isEqualTo(2);
        assertThat(sessions.getFirst().ended()).isEmpty();
        assertThat(reader.sessions(AuditSearch.all().with(Field.SUBJECT, "alice"))).hasSize(1);
        assertThat(reader.session("s-b1")).map(SessionSummary::subject).contains("bob");
        assertThat(reader.session("s-none")).isEqualTo(Optional.empty());
    }

    @Test
    void recordingChunksJoinTheHashChain() {
        AuditRecord chunk = reader.search(AuditSearch.all().with(Field.KIND, "recording")).getFirst();
        assertThat(chunk.details()).containsEntry("format", "sql/v1").containsEntry("index", 2L)
                .containsEntry("content", "{\"text\":\"DROP TABLE t\"}");
        assertThat(log.verify().ok()).isTrue();
    }

    @Test
    void refusesAMissingFile() {
        assertThatThrownBy(() -> SqliteAuditReader.open(dir.resolve("nope.db")))
                .isInstanceOf(AuditStoreException.class).hasMessageContaining("no audit trail");
    }
}
