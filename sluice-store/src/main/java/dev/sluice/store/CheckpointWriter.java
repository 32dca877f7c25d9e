package dev.sluice.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint and retention duties of one {@link GroupCommitWriter}, run on its thread with its connection
 * (see {@link Checkpointing} for when). Not thread-safe: writer thread only. Every method that writes opens its
 * own write transaction under the chain lock, except {@link #beforeCommit}, which joins the batch's.
 */
final class CheckpointWriter {
    /** How often retention runs (and once when the writer starts). */
    static final Duration RETENTION_EVERY = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointWriter.class);

    private final StoreBackend backend;
    private final Clock clock;
    private final Optional<Checkpointing> settings;
    private long uncovered;
    private long lastCheckpointNanos = System.nanoTime();
    private long lastRetentionNanos;
    private boolean retainedOnce;

    CheckpointWriter(StoreBackend backend, Clock clock, Optional<Checkpointing> settings) {
        this.backend = backend;
        this.clock = clock;
        this.settings = settings;
    }

    /** How long the writer may wait for work before {@link #onIdle} has something due; negative: wait forever. */
    long waitNanos() {
        if (settings.isEmpty() || uncovered == 0) {
            return -1;
        }
        long due = lastCheckpointNanos + settings.get().interval().toNanos() - System.nanoTime();
        return Math.max(due, 1);
    }

    /** Inside the batch's transaction: signs the new head when this batch completes {@code everyEvents}. */
    boolean beforeCommit(Connection connection, ChainHead head, int batchSize) throws SQLException {
        if (settings.isEmpty() || uncovered + batchSize < settings.get().everyEvents()) {
            return false;
        }
        Checkpoints.insert(connection, Checkpoints.sign(settings.get().key(), head, clock.instant()));
        return true;
    }

    /** After the batch committed. */
    void committed(ChainHead head, int batchSize, boolean checkpointed) {
        if (checkpointed) {
            covered();
        } else {
            uncovered += batchSize;
        }
    }

    /** When the writer starts: covers a tail a crash left unsigned, and applies retention. */
    void onStart(Connection connection) throws SQLException {
        if (settings.isPresent()) {
            checkpoint(connection);
        }
        onIdle(connection);
    }

    /** Between batches: a timed checkpoint, and retention, when due. */
    void onIdle(Connection connection) throws SQLException {
        if (settings.isEmpty()) {
            return;
        }
        if (uncovered > 0 && waitNanos() <= 1) {
            checkpoint(connection);
        }
        long now = System.nanoTime();
        if (settings.get().retention().isPresent()
                && (!retainedOnce || now - lastRetentionNanos >= RETENTION_EVERY.toNanos())) {
            retainedOnce = true;
            lastRetentionNanos = now;
            retain(connection);
        }
    }

    /** When the writer stops: signs what this writer appended since its last checkpoint. */
    void onStop(Connection connection) throws SQLException {
        if (settings.isPresent() && uncovered > 0) {
            checkpoint(connection);
        }
    }

    /** Signs the current head unless a checkpoint already covers it. */
    void checkpoint(Connection connection) throws SQLException {
        backend.beginWrite(connection);
        ChainHead head = AuditTable.head(connection, clock.instant());
        long covered = Checkpoints.latest(connection).map(Checkpoint::seq).orElse(0L);
        if (head.seq() > covered) {
            Checkpoint signed = Checkpoints.sign(settings.orElseThrow().key(), head, clock.instant());
            Checkpoints.insert(connection, signed);
            LOG.info("audit checkpoint: seq {} hash {} signed by key {}", signed.seq(), signed.hash(),
                    signed.keyId());
        }
        backend.commit(connection);
        covered();
    }

    /**
     * Deletes the rows and checkpoints before the newest checkpoint that is older than the retention; that
     * checkpoint and its row stay and anchor the verification of what remains.
     *
     * @return how many rows were deleted
     */
    long retain(Connection connection) throws SQLException {
        Optional<Duration> retention = settings.flatMap(Checkpointing::retention);
        if (retention.isEmpty()) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(retention.get());
        backend.beginWrite(connection);
        long anchor = 0;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT seq FROM audit_checkpoint WHERE time_ms <= ? ORDER BY seq DESC LIMIT 1")) {
            select.setLong(1, cutoff.toEpochMilli());
            try (ResultSet rs = select.executeQuery()) {
                anchor = rs.next() ? rs.getLong(1) : 0;
            }
        }
        long result = 0;
        if (anchor > 1) {
            result = delete(connection, "DELETE FROM audit_event WHERE seq < ?", anchor);
            delete(connection, "DELETE FROM audit_checkpoint WHERE seq < ?", anchor);
        }
        backend.commit(connection);
        if (result > 0) {
            LOG.info("audit retention: deleted {} events before seq {} (checkpoint older than {})", result, anchor,
                    retention.get());
        }
        return result;
    }

    private static long delete(Connection connection, String sql, long before) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(sql)) {
            delete.setLong(1, before);
            return delete.executeUpdate();
        }
    }

    private void covered() {
        uncovered = 0;
        lastCheckpointNanos = System.nanoTime();
    }
}
