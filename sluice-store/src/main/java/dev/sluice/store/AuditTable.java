package dev.sluice.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditRecord;

/** The SQL of {@code audit_event}: plain JDBC, portable statements. Stateless; callers own the connections. */
final class AuditTable {
    /** Upper bound of one query's result, whatever limit the caller asked for. */
    static final int MAX_LIMIT = 100_000;

    static final String COLUMNS = "seq, time_ms, kind, session, subject, groups, connection, statement, verdict, "
            + "rows, error, details, prev_hash, hash";
    private static final String INSERT = "INSERT INTO audit_event (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    static final String SELECT_ALL_IN_ORDER = "SELECT " + COLUMNS + " FROM audit_event ORDER BY seq";
    private static final String HEAD = "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1";

    private AuditTable() {
    }

    /** The newest row's seq and hash, or (0, genesis) for an empty trail. */
    static ChainHead head(Connection connection, Instant now) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(HEAD)) {
            return rs.next() ? new ChainHead(rs.getLong(1), rs.getString(2), now)
                    : new ChainHead(0, ChainHash.GENESIS, now);
        }
    }

    /** Work done inside the write transaction after the batch was inserted, before it commits. */
    @FunctionalInterface
    interface BeforeCommit {
        void run(Connection connection, ChainHead head) throws SQLException;
    }

    /**
     * Links {@code rows} to the chain as seq head+1..head+n in one write transaction (under the backend's chain
     * lock), runs {@code beforeCommit} with the new head, and commits. The head is read inside the transaction: a
     * concurrent writer cannot fork the chain, and a failed transaction leaves the head where it was. On failure
     * the transaction is left to the caller to roll back.
     *
     * @return the new head
     */
    static ChainHead appendAll(StoreBackend backend, Connection connection, ChainHash chain, List<EventFields> rows,
                               Clock clock, BeforeCommit beforeCommit) throws SQLException {
        backend.beginWrite(connection);
        ChainHead current = head(connection, clock.instant());
        long seq = current.seq();
        String prev = current.hash();
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (EventFields fields : rows) {
                AuditRow row = chain.link(++seq, prev, fields);
                bind(insert, row);
                insert.addBatch();
                prev = row.hash();
            }
            insert.executeBatch();
        }
        ChainHead result = new ChainHead(seq, prev, clock.instant());
        beforeCommit.run(connection, result);
        backend.commit(connection);
        return result;
    }

    static void bind(PreparedStatement insert, AuditRow row) throws SQLException {
        EventFields f = row.fields();
        insert.setLong(1, row.seq());
        insert.setLong(2, f.timeMs());
        insert.setString(3, f.kind());
        insert.setString(4, f.session());
        insert.setString(5, f.subject());
        insert.setString(6, f.groups());
        insert.setString(7, f.connection());
        insert.setString(8, f.statement());
        insert.setString(9, f.verdict());
        insert.setLong(10, f.rows());
        insert.setString(11, f.error());
        insert.setString(12, f.details());
        insert.setString(13, row.prevHash());
        insert.setString(14, row.hash());
    }

    /** Reads the row under the cursor; NULLs (only a hand-edited file has them) read as empty text. */
    static AuditRow read(ResultSet rs) throws SQLException {
        EventFields fields = new EventFields(rs.getLong(2), text(rs, 3), text(rs, 4), text(rs, 5), text(rs, 6),
                text(rs, 7), text(rs, 8), text(rs, 9), rs.getLong(10), text(rs, 11), text(rs, 12));
        return new AuditRow(rs.getLong(1), fields, text(rs, 13), text(rs, 14));
    }

    static AuditRecord toRecord(AuditRow row) {
        EventFields f = row.fields();
        // read under the current name: an older trail's `statement` is today's `command` (the row keeps its own)
        return new AuditRecord(row.seq(), Instant.ofEpochMilli(f.timeMs()), AuditEvent.currentKind(f.kind()),
                f.session(), f.subject(),
                groups(f.groups()), f.connection(), f.statement(), f.verdict(), f.rows(), f.error(),
                details(f.details()));
    }

    private static String text(ResultSet rs, int column) throws SQLException {
        String value = rs.getString(column);
        return value == null ? "" : value;
    }

    /** Unreadable JSON (a hand-edited row) is shown, not hidden: it is returned raw under {@code malformed}. */
    private static List<String> groups(String json) {
        try {
            return StoreJson.readStrings(json).stream().map(g -> g == null ? "" : g).toList();
        } catch (JsonProcessingException e) {
            return List.of("malformed: " + json);
        }
    }

    private static Map<String, Object> details(String json) {
        try {
            Map<String, Object> result = new TreeMap<>(StoreJson.readObject(json));
            result.values().removeIf(v -> v == null);
            return result;
        } catch (JsonProcessingException | RuntimeException e) {
            return Map.of("malformed", json);
        }
    }
}
