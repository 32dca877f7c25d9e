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
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;

/** The same searches, sessions and feed on both stores: the embedded file and PostgreSQL. */
@ParameterizedClass
@ValueSource(strings = {"sqlite", "postgres"})
class AuditStoreReaderTest {
    private static final Instant T = Events.T0;

    @Parameter
    String store;
    @TempDir
    Path dir;
    private AuditStore log;
    private AuditStoreReader reader;

    @BeforeEach
    void fill() {
        if (store.equals("postgres")) {
            PostgresStoreConfig config = SharedPostgres.freshDatabase();
            log = PostgresAuditLog.open(config, Events.CLOCK, StoreOptions.defaults());
            reader = PostgresAuditLog.reader(config);
        } else {
            log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK);
            reader = SqliteAuditLog.reader(dir.resolve("audit.db"));
        }
        AuditContext alice = Events.ctx("s-a1", "alice", "prod");
        AuditContext bob = Events.ctx("s-b1", "bob", "test");
        log.append(new AuditEvent.SessionStarted(T, alice, "postgres", "alice", "psql"));            // 1
        log.append(Events.statement(T.plusSeconds(1), alice, 1, "SELECT secret_50% FROM t"));         // 2
        log.append(new AuditEvent.CommandEvaluated(T.plusSeconds(2), alice, 2, "DROP TABLE t", List.of(),
                "DROP", "deny", "no-ddl", "DDL is refused"));                                        // 3
        log.append(new AuditEvent.RecordingChunk(T.plusSeconds(2), alice, "sql/v1", 2,
                "{\"text\":\"DROP TABLE t\"}"));                                                      // 4
        log.append(new AuditEvent.SessionStarted(T.plusSeconds(3), bob, "postgres", "bob", "psql"));  // 5
        log.append(Events.ended(T.plusSeconds(4), alice));                                            // 6
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
        assertThat(seqs(AuditSearch.all().with(Field.TEXT, "drop table"))).containsExactly(3L, 4L);
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
    void queryKeepsTheNewestEventsOldestFirst() {
        assertThat(reader.query(dev.sluice.core.audit.AuditQuery.all().withLimit(2)))
                .extracting(AuditRecord::seq).containsExactly(5L, 6L);
        assertThat(reader.query(dev.sluice.core.audit.AuditQuery.all().withSubject("alice").withKind("command")))
                .extracting(AuditRecord::seq).containsExactly(2L, 3L);
    }

    @Test
    void aClosedReaderRefusesToRead() {
        reader.close();
        assertThatThrownBy(() -> reader.search(AuditSearch.all())).isInstanceOf(AuditStoreException.class);
    }
}
