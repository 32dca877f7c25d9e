package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer signs checkpoints by count, by time and at close, with a key it creates once and keeps private. */
class SignedCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void createsTheSigningKeyOnceWithOwnerOnlyPermissions() throws Exception {
        Path file = dir.resolve("keys/audit-signing.key");

        AuditSigningKey created = AuditSigningKey.loadOrCreate(file);
        AuditSigningKey loaded = AuditSigningKey.loadOrCreate(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(loaded.keyId()).isEqualTo(created.keyId());
        assertThat(AuditSigningKey.readPublicKey(file)).isEqualTo(created.publicKey());
        assertThat(created.toString()).doesNotContain("PRIVATE").contains(created.keyId());
        assertThat(Files.list(file.getParent())).hasSize(1);
    }

    @Test
    void signsACheckpointEveryNEventsInTheBatchTransactionAndAtClose() throws Exception {
        AuditSigningKey key = AuditSigningKey.generate();
        Path file = dir.resolve("audit.db");
        StoreOptions options = StoreOptions.defaults()
                .withCheckpointing(Checkpointing.with(key).withEveryEvents(10).withInterval(Duration.ofHours(1)));
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK, options)) {
            for (int i = 1; i <= 25; i++) {
                log.append(Events.statement(i));
            }
            assertThat(checkpointSeqs(file)).containsExactly(10L, 20L);
        }
        assertThat(checkpointSeqs(file)).as("closing signs the rest").containsExactly(10L, 20L, 25L);
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK, options)) {
            ChainVerification result = log.verify();
            assertThat(result.ok()).as(result.message()).isTrue();
            assertThat(result.message()).contains("3 checkpoints signed by key " + key.keyId());
        }
        assertThat(checkpointSeqs(file)).as("nothing new, nothing signed").containsExactly(10L, 20L, 25L);
    }

    @Test
    void signsATimedCheckpointWhenEventsWait() throws Exception {
        Path file = dir.resolve("audit.db");
        StoreOptions options = StoreOptions.defaults()
                .withCheckpointing(Checkpointing.with(AuditSigningKey.generate()).withInterval(Duration.ofMillis(100)));
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK, options)) {
            log.append(Events.statement(1));
            log.append(Events.statement(2));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!checkpointSeqs(file).contains(2L) && System.nanoTime() < deadline) {
                Thread.sleep(20); // the writer signs on its own timer
            }
            // a slow machine may let the timer fire between the two appends too: then 1 is signed first
            assertThat(checkpointSeqs(file)).isIn(List.of(2L), List.of(1L, 2L));
        }
    }

    @Test
    void signsTheTailACrashLeftWhenTheNextWriterStarts() throws Exception {
        Path file = dir.resolve("audit.db");
        try (SqliteAuditLog unsigned = SqliteAuditLog.open(file, Events.CLOCK)) {
            unsigned.append(Events.statement(1));
        }
        StoreOptions options = StoreOptions.defaults().withCheckpointing(Checkpointing.with(AuditSigningKey.generate()));
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK, options)) {
            log.query(dev.sluice.core.audit.AuditQuery.all()); // any round trip; the writer signs as it starts
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (checkpointSeqs(file).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(checkpointSeqs(file)).containsExactly(1L);
        }
    }

    static List<Long> checkpointSeqs(Path file) throws SQLException {
        List<Long> result = new ArrayList<>();
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = raw.createStatement();
             ResultSet rs = statement.executeQuery("SELECT seq FROM audit_checkpoint ORDER BY seq")) {
            while (rs.next()) {
                result.add(rs.getLong(1));
            }
        }
        return result;
    }

    static void execute(Path file, String sql, Object... args) throws SQLException {
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             PreparedStatement statement = raw.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            statement.executeUpdate();
        }
    }
}
