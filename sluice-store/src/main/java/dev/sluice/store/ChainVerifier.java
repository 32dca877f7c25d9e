package dev.sluice.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Walks {@code audit_event} in seq order and recomputes the chain ({@link ChainHash}), stopping at the first row
 * that is missing, does not link to its predecessor, or does not hash to its stored hash.
 *
 * <p>A {@code checkpoint} is a head known from outside the table: the chain must reach its seq with exactly its
 * hash. Today that is the head this process committed last; signed checkpoints ({@link ChainAnchor}) will pass
 * theirs here. Without one a removed tail is indistinguishable from a shorter trail.
 */
final class ChainVerifier {

    private ChainVerifier() {
    }

    static ChainVerification verify(Connection connection, Optional<ChainHead> checkpoint) throws SQLException {
        ChainHash chain = new ChainHash();
        long expected = 1;
        String prev = ChainHash.GENESIS;
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(AuditTable.SELECT_ALL_IN_ORDER)) {
            while (rs.next()) {
                AuditRow row = AuditTable.read(rs);
                long checked = expected - 1;
                if (row.seq() != expected) {
                    return ChainVerification.broken(checked, expected,
                            "expected seq " + expected + " but the next row is seq " + row.seq()
                                    + ": rows were deleted or renumbered");
                }
                if (!row.prevHash().equals(prev)) {
                    return ChainVerification.broken(checked, row.seq(),
                            "seq " + row.seq() + " does not link to its predecessor (prev_hash differs)");
                }
                if (!chain.hash(row.seq(), row.prevHash(), row.fields()).equals(row.hash())) {
                    return ChainVerification.broken(checked, row.seq(),
                            "seq " + row.seq() + " was altered (its content does not hash to its stored hash)");
                }
                if (checkpoint.isPresent() && checkpoint.get().seq() == row.seq()
                        && !checkpoint.get().hash().equals(row.hash())) {
                    return ChainVerification.broken(checked, row.seq(),
                            "seq " + row.seq() + " differs from the checkpointed head: the chain was rewritten");
                }
                prev = row.hash();
                expected++;
            }
        }
        long checked = expected - 1;
        if (checkpoint.isPresent() && checkpoint.get().seq() > checked) {
            return ChainVerification.broken(checked, expected, "the trail ends at seq " + checked
                    + " but seq " + checkpoint.get().seq() + " was committed: the tail was deleted");
        }
        return ChainVerification.intact(checked);
    }
}
