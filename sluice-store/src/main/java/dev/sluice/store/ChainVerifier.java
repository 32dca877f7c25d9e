package dev.sluice.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Walks {@code audit_event} and {@code audit_checkpoint} together in seq order (two streaming cursors in one read
 * snapshot) and stops at the first thing wrong:
 * <ul>
 *   <li>a row missing, not linking to its predecessor, or not hashing to its stored hash ({@link ChainHash});</li>
 *   <li>a checkpoint whose signature does not verify against the expected key (a re-signed store);</li>
 *   <li>a checkpoint whose row has another hash (a rewritten chain), or beyond the last row (a deleted tail);</li>
 *   <li>a trail that starts after seq 1 without a checkpoint at its first row (retention keeps that anchor);</li>
 *   <li>with a key: rows older than the grace that no checkpoint covers (deleted checkpoints).</li>
 * </ul>
 * Not thread-safe: one instance per walk.
 */
final class ChainVerifier {
    private static final int FETCH = 2_000;

    private final VerifyOptions options;
    private final ChainHash chain = new ChainHash();
    private ResultSet checkpoints;
    private Checkpoint next;
    private Checkpoint newest;
    private long checkpointCount;

    private ChainVerifier(VerifyOptions options) {
        this.options = options;
    }

    static ChainVerification verify(Connection connection, VerifyOptions options) throws SQLException {
        return new ChainVerifier(options).walk(connection);
    }

    private ChainVerification walk(Connection connection) throws SQLException {
        try (Statement rowStatement = connection.createStatement();
             Statement checkpointStatement = connection.createStatement()) {
            rowStatement.setFetchSize(FETCH);
            checkpointStatement.setFetchSize(FETCH);
            try (ResultSet rows = rowStatement.executeQuery(AuditTable.SELECT_ALL_IN_ORDER);
                 ResultSet cps = checkpointStatement.executeQuery(Checkpoints.SELECT_ALL_IN_ORDER)) {
                checkpoints = cps;
                advance();
                return walk(rows);
            }
        }
    }

    private ChainVerification walk(ResultSet rows) throws SQLException {
        long checked = 0;
        long expected = 1;
        long first = 1;
        String prev = ChainHash.GENESIS;
        long oldestUncoveredMs = Long.MAX_VALUE;
        while (rows.next()) {
            AuditRow row = AuditTable.read(rows);
            if (checked == 0 && row.seq() != 1) {
                if (next != null && next.seq() < row.seq()) {
                    return ChainVerification.broken(0, next.seq(), "rows from seq " + next.seq() + " to "
                            + (row.seq() - 1) + " were deleted: a checkpoint covers seq " + next.seq());
                }
                if (next == null || next.seq() != row.seq()) {
                    return ChainVerification.broken(0, 1, "the trail starts at seq " + row.seq()
                            + " but no checkpoint anchors it there: rows before it were deleted");
                }
                expected = row.seq();
                first = row.seq();
                prev = row.prevHash();
            }
            if (row.seq() != expected) {
                return ChainVerification.broken(checked, expected, "expected seq " + expected
                        + " but the next row is seq " + row.seq() + ": rows were deleted or renumbered");
            }
            if (!row.prevHash().equals(prev)) {
                return ChainVerification.broken(checked, row.seq(),
                        "seq " + row.seq() + " does not link to its predecessor (prev_hash differs)");
            }
            if (!chain.hash(row.seq(), row.prevHash(), row.fields()).equals(row.hash())) {
                return ChainVerification.broken(checked, row.seq(),
                        "seq " + row.seq() + " was altered (its content does not hash to its stored hash)");
            }
            boolean covered = false;
            while (next != null && next.seq() <= row.seq()) {
                Optional<ChainVerification> bad = badSignature(checked);
                if (bad.isPresent()) {
                    return bad.get();
                }
                if (!next.hash().equals(row.hash())) {
                    return ChainVerification.broken(checked, row.seq(), "seq " + row.seq()
                            + " differs from the signed checkpoint of " + next.time() + ": the chain was rewritten");
                }
                covered = true;
                advance();
            }
            if (options.knownHead().isPresent() && options.knownHead().get().seq() == row.seq()
                    && !options.knownHead().get().hash().equals(row.hash())) {
                return ChainVerification.broken(checked, row.seq(),
                        "seq " + row.seq() + " differs from the checkpointed head: the chain was rewritten");
            }
            oldestUncoveredMs = covered ? Long.MAX_VALUE : Math.min(oldestUncoveredMs, row.fields().timeMs());
            prev = row.hash();
            expected++;
            checked++;
        }
        return end(checked, first, expected, oldestUncoveredMs);
    }

    private ChainVerification end(long checked, long first, long expected, long oldestUncoveredMs)
            throws SQLException {
        if (next != null) {
            Optional<ChainVerification> bad = badSignature(checked);
            return bad.orElseGet(() -> ChainVerification.broken(checked, expected, "the trail ends at seq "
                    + (expected - 1) + " but a checkpoint signed at " + next.time() + " covers seq " + next.seq()
                    + ": the tail was deleted"));
        }
        if (options.knownHead().isPresent() && options.knownHead().get().seq() >= expected) {
            return ChainVerification.broken(checked, expected, "the trail ends at seq " + (expected - 1)
                    + " but seq " + options.knownHead().get().seq() + " was committed: the tail was deleted");
        }
        long uncovered = newest == null ? checked : expected - 1 - newest.seq();
        if (options.publicKey().isPresent() && uncovered > 0
                && oldestUncoveredMs < options.now().minus(options.grace()).toEpochMilli()) {
            long from = expected - uncovered;
            return ChainVerification.broken(checked, from, uncovered + " rows from seq " + from
                    + " are older than " + options.grace() + " and no signed checkpoint covers them: checkpoints "
                    + "were deleted, or the writer stopped without one (start Sluice once to sign its tail)");
        }
        if (checkpointCount == 0 && options.publicKey().isEmpty()) {
            return ChainVerification.intact(checked);
        }
        return new ChainVerification(true, checked, Optional.empty(), "chain intact: " + checked + " rows"
                + (checked > 0 ? " (seq " + first + ".." + (expected - 1) + ")" : "") + "; " + checkpointCount
                + " checkpoints " + (options.publicKey().isPresent() ? "signed by key "
                + AuditSigningKey.keyId(options.publicKey().get()) : "(signatures not checked: no public key)")
                + (newest == null ? "" : ", the newest at seq " + newest.seq() + " signed " + newest.time())
                + (uncovered > 0 ? "; " + uncovered + " newer rows not yet covered" : ""));
    }

    private Optional<ChainVerification> badSignature(long checked) {
        if (options.publicKey().isEmpty() || Checkpoints.verifies(next, options.publicKey().get())) {
            return Optional.empty();
        }
        return Optional.of(ChainVerification.broken(checked, next.seq(), "the checkpoint at seq " + next.seq()
                + " has no valid signature by key " + AuditSigningKey.keyId(options.publicKey().get())
                + " (it names key " + next.keyId() + "): checkpoints were forged or re-signed"));
    }

    private void advance() throws SQLException {
        if (next != null) {
            newest = next;
            checkpointCount++;
        }
        next = checkpoints.next() ? Checkpoints.read(checkpoints) : null;
    }
}
