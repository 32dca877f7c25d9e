package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditQuery;

/** Tampering done the way an attacker with file access would: raw SQL on the database file. */
class ChainTamperTest {
    private static final int ROWS = 10;

    @TempDir
    Path dir;
    private Path file;
    private SqliteAuditLog log;

    @BeforeEach
    void fill() {
        file = dir.resolve("audit.db");
        log = SqliteAuditLog.open(file, Events.CLOCK);
        for (int i = 1; i <= ROWS; i++) {
            log.append(Events.statement(i));
        }
    }

    @AfterEach
    void close() {
        log.close();
    }

    private void tamper(String... sql) throws SQLException {
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = raw.createStatement()) {
            for (String s : sql) {
                assertThat(statement.executeUpdate(s)).as(s).isPositive();
            }
        }
    }

    private SqliteAuditLog reopened() {
        log.close();
        log = SqliteAuditLog.open(file, Events.CLOCK);
        return log;
    }

    @Test
    void intactChainVerifies() {
        ChainVerification result = log.verify();

        assertThat(result).isEqualTo(new ChainVerification(true, ROWS, Optional.empty(), "chain intact: 10 rows"));
        assertThat(reopened().verify().ok()).isTrue();
    }

    @Test
    void detectsEditedStatement() throws SQLException {
        tamper("UPDATE audit_event SET statement = 'SELECT 1' WHERE seq = 4");

        ChainVerification result = reopened().verify();

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBrokenSeq()).contains(4L);
        assertThat(result.checked()).isEqualTo(3);
        assertThat(result.message()).contains("seq 4 was altered");
    }

    @Test
    void detectsEditedRowWhoseHashWasRecomputedByTheNextLink() throws SQLException {
        tamper("UPDATE audit_event SET statement = 'SELECT 1', hash = '" + "ab".repeat(32) + "' WHERE seq = 4");

        ChainVerification result = reopened().verify();

        assertThat(result.firstBrokenSeq()).contains(4L);
    }

    @Test
    void detectsDeletedMiddleRow() throws SQLException {
        tamper("DELETE FROM audit_event WHERE seq = 5");

        ChainVerification result = reopened().verify();

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBrokenSeq()).contains(5L);
        assertThat(result.message()).contains("expected seq 5 but the next row is seq 6");
    }

    @Test
    void detectsDeletedMiddleRowWhenLaterRowsWereRenumbered() throws SQLException {
        tamper("DELETE FROM audit_event WHERE seq = 5", "UPDATE audit_event SET seq = seq - 1 WHERE seq > 5");

        ChainVerification result = reopened().verify();

        assertThat(result.firstBrokenSeq()).contains(5L);
        assertThat(result.message()).contains("does not link to its predecessor");
    }

    @Test
    void detectsSwappedRowContents() throws SQLException {
        tamper("UPDATE audit_event SET seq = -3 WHERE seq = 3",
                "UPDATE audit_event SET seq = 3 WHERE seq = 7",
                "UPDATE audit_event SET seq = 7 WHERE seq = -3");

        ChainVerification result = reopened().verify();

        assertThat(log.query(AuditQuery.all()).get(2).statement()).isEqualTo("SELECT 7");
        assertThat(result.ok()).isFalse();
        assertThat(result.firstBrokenSeq()).contains(3L);
        assertThat(result.checked()).isEqualTo(2);
    }

    @Test
    void detectsDeletedTailWhileTheWritingInstanceIsOpen() throws SQLException {
        tamper("DELETE FROM audit_event WHERE seq >= 9");

        ChainVerification result = log.verify();

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBrokenSeq()).contains(9L);
        assertThat(result.message()).contains("the tail was deleted");
    }

    /**
     * Known limitation: without a checkpoint kept outside the database (signed checkpoints, a later issue), a trail
     * cut short is a valid shorter trail. This test pins the limitation so that the day it is lifted, it changes.
     */
    @Test
    void cannotDetectDeletedTailAfterReopenWithoutCheckpoint() throws SQLException {
        tamper("DELETE FROM audit_event WHERE seq >= 9");

        ChainVerification result = reopened().verify();

        assertThat(result.ok()).isTrue();
        assertThat(result.checked()).isEqualTo(8);
        assertThat(log.head().seq()).isEqualTo(8);
    }
}
