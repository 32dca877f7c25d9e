package dev.sluice.store;

import static dev.sluice.store.SignedCheckpointTest.execute;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An insider with write access to the store (but not to the signing key) tampers with it in every way we know;
 * verification against the auditor's pinned public key catches each, at the first broken seq.
 */
class InsiderTamperTest {
    private static final int ROWS = 20;
    private static final AuditSigningKey KEY = AuditSigningKey.generate();
    private static final PublicKey PINNED = KEY.publicKey();

    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void fill() {
        file = dir.resolve("audit.db");
        StoreOptions options = StoreOptions.defaults()
                .withCheckpointing(Checkpointing.with(KEY).withEveryEvents(5).withInterval(Duration.ofHours(1)));
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK, options)) {
            for (int i = 1; i <= ROWS; i++) {
                log.append(Events.statement(i));
            }
        }
    }

    private ChainVerification verify(PublicKey key, Instant now) {
        try (AuditStoreReader reader = SqliteAuditLog.reader(file)) {
            return reader.verify(VerifyOptions.signedBy(key, now));
        }
    }

    private ChainVerification verify() {
        return verify(PINNED, Events.T0.plusSeconds(1));
    }

    @Test
    void untouchedTrailVerifiesWithEveryCheckpoint() {
        ChainVerification result = verify();

        assertThat(result.ok()).as(result.message()).isTrue();
        assertThat(result.checked()).isEqualTo(ROWS);
        assertThat(result.message()).contains("4 checkpoints signed by key " + KEY.keyId(), "newest at seq 20");
    }

    @Test
    void catchesAnEditedRow() throws SQLException {
        execute(file, "UPDATE audit_event SET statement = 'SELECT harmless' WHERE seq = 7");

        assertThat(verify().firstBrokenSeq()).contains(7L);
    }

    @Test
    void catchesADeletedRow() throws SQLException {
        execute(file, "DELETE FROM audit_event WHERE seq = 12");

        ChainVerification result = verify();

        assertThat(result.firstBrokenSeq()).contains(12L);
        assertThat(result.message()).contains("expected seq 12");
    }

    @Test
    void catchesADeletedTailAfterReopening() throws SQLException {
        execute(file, "DELETE FROM audit_event WHERE seq > 17");

        ChainVerification result = verify();

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBrokenSeq()).contains(18L);
        assertThat(result.message()).contains("the tail was deleted", "covers seq 20");
    }

    @Test
    void catchesReorderedRows() throws SQLException {
        execute(file, "UPDATE audit_event SET seq = -3 WHERE seq = 3");
        execute(file, "UPDATE audit_event SET seq = 3 WHERE seq = 9");
        execute(file, "UPDATE audit_event SET seq = 9 WHERE seq = -3");

        assertThat(verify().firstBrokenSeq()).contains(3L);
    }

    @Test
    void catchesAChainRewrittenAndReSignedWithAnotherKey() throws SQLException {
        AuditSigningKey insider = AuditSigningKey.generate();
        List<ChainHead> heads = rewriteFrom(8, "SELECT nothing to see");
        execute(file, "DELETE FROM audit_checkpoint");
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            for (ChainHead head : heads) {
                if (head.seq() % 5 == 0) {
                    Checkpoints.insert(raw, Checkpoints.sign(insider, head, Events.T0));
                }
            }
        }

        ChainVerification pinned = verify();
        ChainVerification insiders = verify(insider.publicKey(), Events.T0.plusSeconds(1));

        assertThat(pinned.ok()).isFalse();
        assertThat(pinned.firstBrokenSeq()).contains(5L);
        assertThat(pinned.message()).contains("no valid signature by key " + KEY.keyId(), "names key " + insider.keyId());
        assertThat(insiders.ok()).as("why the auditor pins the key: the insider's own key vouches for it").isTrue();
    }

    @Test
    void catchesAChainRewrittenWithoutTouchingCheckpoints() throws SQLException {
        rewriteFrom(8, "SELECT nothing to see");

        ChainVerification result = verify();

        assertThat(result.firstBrokenSeq()).contains(10L);
        assertThat(result.message()).contains("differs from the signed checkpoint");
    }

    @Test
    void catchesARewrittenChainWhoseCheckpointsWereDeleted() throws SQLException {
        rewriteFrom(8, "SELECT nothing to see");
        execute(file, "DELETE FROM audit_checkpoint");

        ChainVerification result = verify(PINNED, Events.T0.plus(Duration.ofHours(1)));

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBrokenSeq()).contains(1L);
        assertThat(result.message()).contains("no signed checkpoint covers them");
    }

    @Test
    void catchesAForgedSignature() throws SQLException {
        execute(file, "UPDATE audit_checkpoint SET signature = ? WHERE seq = 15",
                java.util.Base64.getEncoder().encodeToString(new byte[64]));

        assertThat(verify().firstBrokenSeq()).contains(15L);
    }

    @Test
    void catchesAPrefixDeletedWithoutItsCheckpoints() throws SQLException {
        execute(file, "DELETE FROM audit_event WHERE seq < 8");

        ChainVerification result = verify();

        assertThat(result.firstBrokenSeq()).contains(5L);
        assertThat(result.message()).contains("rows from seq 5 to 7 were deleted");
    }

    /** What an insider who knows the chain format does: edit row {@code from}, then recompute every later link. */
    private List<ChainHead> rewriteFrom(long from, String statement) throws SQLException {
        List<ChainHead> result = new ArrayList<>();
        ChainHash chain = new ChainHash();
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            List<AuditRow> rows = new ArrayList<>();
            try (Statement select = raw.createStatement();
                 ResultSet rs = select.executeQuery(AuditTable.SELECT_ALL_IN_ORDER)) {
                while (rs.next()) {
                    rows.add(AuditTable.read(rs));
                }
            }
            String prev = ChainHash.GENESIS;
            try (PreparedStatement update = raw.prepareStatement(
                    "UPDATE audit_event SET statement = ?, prev_hash = ?, hash = ? WHERE seq = ?")) {
                for (AuditRow row : rows) {
                    EventFields f = row.fields();
                    if (row.seq() == from) {
                        f = new EventFields(f.timeMs(), f.kind(), f.session(), f.subject(), f.groups(),
                                f.connection(), statement, f.verdict(), f.rows(), f.error(), f.details());
                    }
                    AuditRow relinked = chain.link(row.seq(), prev, f);
                    update.setString(1, f.statement());
                    update.setString(2, prev);
                    update.setString(3, relinked.hash());
                    update.setLong(4, row.seq());
                    update.executeUpdate();
                    prev = relinked.hash();
                    result.add(new ChainHead(row.seq(), relinked.hash(), Events.T0));
                }
            }
        }
        return result;
    }
}
