package dev.sluice.store;

import static dev.sluice.store.SignedCheckpointTest.checkpointSeqs;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/** Retention deletes whole old segments, and what remains still verifies from its anchor checkpoint. */
class RetentionTest {
    private static final Duration RETENTION = Duration.ofDays(400);

    @TempDir
    Path dir;

    @Test
    void deletesRowsBeforeTheNewestCheckpointOlderThanTheRetentionAndStillVerifies() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        AuditSigningKey key = AuditSigningKey.generate();
        Path file = dir.resolve("audit.db");
        StoreOptions options = StoreOptions.defaults().withCheckpointing(Checkpointing.with(key)
                .withEveryEvents(10).withInterval(Duration.ofHours(1)).withRetention(RETENTION));
        try (SqliteAuditLog log = SqliteAuditLog.open(file, clock, options)) {
            for (int day = 0; day < 5; day++) {
                for (int i = 0; i < 10; i++) {
                    log.append(Events.statement(clock.instant(), Events.ctx("s-1", "bot", "prod"), i, "day " + day));
                }
                clock.advance(Duration.ofDays(100));
            }
            // day 500 now; checkpoints at seq 10, 20, 30, 40, 50 were signed on days 0, 100, 200, 300, 400
            assertThat(checkpointSeqs(file)).containsExactly(10L, 20L, 30L, 40L, 50L);

            long deleted = log.retainNow().join();

            assertThat(deleted).as("rows before seq 20, the newest checkpoint older than 400 days").isEqualTo(19);
            assertThat(checkpointSeqs(file)).containsExactly(20L, 30L, 40L, 50L);
            assertThat(log.verify().ok()).isTrue();
            clock.advance(Duration.ofDays(150));
            assertThat(log.retainNow().join()).isEqualTo(10);
            assertThat(checkpointSeqs(file)).containsExactly(30L, 40L, 50L);
            assertThat(log.query(AuditQuery.all()).getFirst().seq()).isEqualTo(30);

            log.append(Events.statement(clock.instant(), Events.ctx("s-2", "bot", "prod"), 1, "after retention"));
            ChainVerification result = log.verify();
            assertThat(result.ok()).as(result.message()).isTrue();
            assertThat(result.message()).contains("22 rows (seq 30..51)");
        }
        try (AuditStoreReader reader = SqliteAuditLog.reader(file)) {
            ChainVerification result = reader.verify(VerifyOptions.signedBy(key.publicKey(), clock.instant()));
            assertThat(result.ok()).as(result.message()).isTrue();
            assertThat(reader.query(AuditQuery.all()).getLast()).extracting(AuditRecord::seq, AuditRecord::statement)
                    .containsExactly(51L, "after retention");
        }
    }

    @Test
    void keepsEverythingWithoutRetention() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2020-01-01T00:00:00Z"));
        StoreOptions options = StoreOptions.defaults()
                .withCheckpointing(Checkpointing.with(AuditSigningKey.generate()).withEveryEvents(1));
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), clock, options)) {
            log.append(Events.statement(1));
            clock.advance(Duration.ofDays(5000));
            log.append(Events.statement(2));

            assertThat(log.retainNow().join()).isZero();
            assertThat(log.query(AuditQuery.all())).hasSize(2);
        }
    }
}
