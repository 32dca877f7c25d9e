package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/** Several replicas share one PostgreSQL store: one gap-free chain, verifiable, whatever the interleaving. */
class PostgresAuditLogTest {
    private static final AuditSigningKey SHARED_KEY = AuditSigningKey.generate();
    /** A fresh database owned by the store's role, so each test starts with an empty trail. */
    static PostgresStoreConfig freshStore() {
        return SharedPostgres.freshDatabase();
    }

    static StoreOptions signing() {
        return StoreOptions.defaults().withCheckpointing(Checkpointing.with(SHARED_KEY).withEveryEvents(100));
    }

    @Test
    void twoReplicasAppendingConcurrentlyBuildOneGapFreeVerifiableChain() throws Exception {
        PostgresStoreConfig config = freshStore();
        int perThread = 500;
        Set<Long> seqs = ConcurrentHashMap.newKeySet();
        try (PostgresAuditLog a = PostgresAuditLog.open(config, Clock.systemUTC(), signing());
             PostgresAuditLog b = PostgresAuditLog.open(config, Clock.systemUTC(), signing())) {
            List<Thread> threads = new ArrayList<>();
            for (PostgresAuditLog replica : List.of(a, b)) {
                for (int t = 0; t < 3; t++) {
                    String session = "s-" + replica.hashCode() + "-" + t;
                    threads.add(Thread.ofPlatform().start(() -> {
                        List<CompletableFuture<Long>> pending = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            var event = Events.statement(java.time.Instant.now(), Events.ctx(session, "bot", "prod"), i, "SELECT " + i);
                            if (i % 2 == 0) {
                                seqs.add(replica.append(event));
                            } else {
                                pending.add(replica.appendAsync(event));
                            }
                        }
                        pending.forEach(f -> seqs.add(f.join()));
                    }));
                }
            }
            for (Thread thread : threads) {
                thread.join();
            }
            int total = 2 * 3 * perThread;

            assertThat(seqs).hasSize(total);
            assertThat(seqs.stream().mapToLong(Long::longValue).min().orElseThrow()).isEqualTo(1);
            assertThat(seqs.stream().mapToLong(Long::longValue).max().orElseThrow()).isEqualTo(total);
            ChainVerification fromA = a.verify();
            assertThat(fromA.ok()).as(fromA.message()).isTrue();
            assertThat(fromA.checked()).isEqualTo(total);
        }
        try (AuditStoreReader reader = PostgresAuditLog.reader(config)) {
            ChainVerification result = reader.verify(VerifyOptions.signedBy(SHARED_KEY.publicKey(),
                    Clock.systemUTC().instant()));
            assertThat(result.ok()).as(result.message()).isTrue();
            assertThat(result.message()).doesNotContain("not yet covered");
            assertThat(reader.query(AuditQuery.all().withLimit(AuditStoreReader.MAX_QUERY_LIMIT)))
                    .extracting(AuditRecord::seq).hasSize(3000).isSorted();
        }
    }

    @Test
    void catchesARowEditedInThePostgresStore() throws SQLException {
        PostgresStoreConfig config = freshStore();
        try (PostgresAuditLog log = PostgresAuditLog.open(config, Clock.systemUTC(), signing())) {
            for (int i = 1; i <= 10; i++) {
                log.append(Events.statement(i));
            }
        }
        String database = config.url().substring(config.url().lastIndexOf('/') + 1);
        SharedPostgres.server().execute(database, "UPDATE audit_event SET verdict = 'deny' WHERE seq = 6");
        try (AuditStoreReader reader = PostgresAuditLog.reader(config)) {
            ChainVerification result = reader.verify(VerifyOptions.signedBy(SHARED_KEY.publicKey(),
                    Clock.systemUTC().instant()));

            assertThat(result.firstBrokenSeq()).contains(6L);
        }
        try (Connection raw = SharedPostgres.server().connect(database); Statement s = raw.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM audit_checkpoint")) {
            rs.next();
            assertThat(rs.getLong(1)).as("closing signed the head").isEqualTo(1);
        }
    }

    @Test
    void reopensOnTheSharedHeadAfterAnotherReplicaWrote() {
        PostgresStoreConfig config = freshStore();
        try (PostgresAuditLog a = PostgresAuditLog.open(config, Clock.systemUTC(), signing());
             PostgresAuditLog b = PostgresAuditLog.open(config, Clock.systemUTC(), signing())) {
            assertThat(a.append(Events.statement(1))).isEqualTo(1);
            assertThat(b.append(Events.statement(2))).as("b opened before a wrote").isEqualTo(2);
            assertThat(a.append(Events.statement(3))).isEqualTo(3);
            assertThat(b.verify(VerifyOptions.chainOnly(Clock.systemUTC().instant()).withGrace(Duration.ZERO)).ok())
                    .isTrue();
        }
    }
}
