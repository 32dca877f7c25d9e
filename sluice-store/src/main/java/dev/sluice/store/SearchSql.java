package dev.sluice.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;

/**
 * The read SQL of {@link AuditStoreReader}, for both stores: queries of the newest events, searches with a seq
 * cursor, and the session list. The statements are portable (LIKE with an explicit escape character, correlated
 * subqueries with LIMIT); the one dialect difference, the case-insensitive match of the text filter, comes from
 * {@link StoreBackend#likeAnyCase()}. Group membership matches the JSON-quoted name inside the stored groups array.
 * Stateless.
 */
final class SearchSql {
    private static final String SESSION_END = "(SELECT %s FROM audit_event e WHERE e.session = s.session "
            + "AND e.kind = 'session.end' ORDER BY e.seq DESC LIMIT 1)";
    private static final String SESSIONS = "SELECT s.session, s.subject, s.connection, s.details, s.time_ms, "
            + SESSION_END.formatted("e.time_ms") + ", " + SESSION_END.formatted("e.details") + ", "
            + "(SELECT COUNT(*) FROM audit_event e WHERE e.session = s.session AND e.kind IN ('command', 'statement')) "
            + "FROM audit_event s WHERE s.kind = 'session.start'";

    private SearchSql() {
    }

    /** The newest {@code query.limit()} matching events, oldest first. */
    static List<AuditRecord> query(Connection connection, AuditQuery query) throws SQLException {
        if (query.limit() < 1 || query.limit() > AuditTable.MAX_LIMIT) {
            throw new AuditStoreException("audit query limit must be between 1 and " + AuditTable.MAX_LIMIT
                    + " (was " + query.limit() + ")");
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(AuditTable.COLUMNS)
                .append(" FROM audit_event WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        equal(sql, args, "subject", query.subject());
        equal(sql, args, "connection", query.connection());
        equal(sql, args, "session", query.session());
        kind(sql, args, query.kind());
        window(sql, args, "time_ms", query.since(), query.until());
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(query.limit());
        List<AuditRecord> result = records(connection, sql, args);
        Collections.reverse(result);
        return result;
    }

    /** Matching events after the cursor, oldest first; {@code likeAnyCase} is the dialect's case-blind LIKE. */
    static List<AuditRecord> search(Connection connection, AuditSearch search, String likeAnyCase)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(AuditTable.COLUMNS)
                .append(" FROM audit_event WHERE seq > ?");
        List<Object> args = new ArrayList<>();
        args.add(search.afterSeq());
        equal(sql, args, "subject", search.filter(Field.SUBJECT));
        equal(sql, args, "connection", search.filter(Field.CONNECTION));
        equal(sql, args, "session", search.filter(Field.SESSION));
        kind(sql, args, search.filter(Field.KIND));
        equal(sql, args, "verdict", search.filter(Field.VERDICT));
        search.filter(Field.GROUP).ifPresent(group -> {
            sql.append(" AND groups LIKE ? ESCAPE '\\'");
            args.add("%" + like(StoreJson.write(group)) + "%");
        });
        search.filter(Field.TEXT).ifPresent(text -> {
            String match = " " + likeAnyCase + " ? ESCAPE '\\'";
            sql.append(" AND (statement").append(match).append(" OR error").append(match)
                    .append(" OR details").append(match).append(')');
            String pattern = "%" + like(text) + "%";
            args.add(pattern);
            args.add(pattern);
            // details are stored as JSON: match the text as it is escaped there
            String json = StoreJson.write(text);
            args.add("%" + like(json.substring(1, json.length() - 1)) + "%");
        });
        window(sql, args, "time_ms", search.since(), search.until());
        sql.append(" ORDER BY seq LIMIT ?");
        args.add(search.limit());
        return records(connection, sql, args);
    }

    /** A kind filter that also finds the events stored under its earlier name ({@link AuditEvent#RENAMED_KINDS}). */
    private static void kind(StringBuilder sql, List<Object> args, Optional<String> kind) {
        if (kind.isEmpty()) {
            return;
        }
        List<String> names = dev.sluice.core.audit.AuditEvent.storedKinds(kind.get());
        sql.append(" AND kind IN (").append(String.join(", ", java.util.Collections.nCopies(names.size(), "?")))
                .append(')');
        args.addAll(names);
    }

    static List<SessionSummary> sessions(Connection connection, AuditSearch search, Optional<String> id)
            throws SQLException {
        StringBuilder sql = new StringBuilder(SESSIONS);
        List<Object> args = new ArrayList<>();
        equal(sql, args, "s.session", id);
        equal(sql, args, "s.subject", search.filter(Field.SUBJECT));
        equal(sql, args, "s.connection", search.filter(Field.CONNECTION));
        window(sql, args, "s.time_ms", search.since(), search.until());
        sql.append(" ORDER BY s.seq DESC LIMIT ?");
        args.add(search.limit());
        List<SessionSummary> result = new ArrayList<>();
        try (PreparedStatement select = prepare(connection, sql, args); ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                long ended = rs.getLong(6);
                Optional<Instant> end = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ended));
                result.add(new SessionSummary(rs.getString(1), rs.getString(2), rs.getString(3),
                        detail(rs.getString(4), "protocol"), Instant.ofEpochMilli(rs.getLong(5)), end, rs.getLong(8),
                        detail(rs.getString(7), "reason")));
            }
        }
        return result;
    }

    private static List<AuditRecord> records(Connection connection, StringBuilder sql, List<Object> args)
            throws SQLException {
        List<AuditRecord> result = new ArrayList<>();
        try (PreparedStatement select = prepare(connection, sql, args); ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                result.add(AuditTable.toRecord(AuditTable.read(rs)));
            }
        }
        return result;
    }

    private static void equal(StringBuilder sql, List<Object> args, String column, Optional<String> value) {
        value.ifPresent(v -> {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(v);
        });
    }

    /** {@code since} inclusive, {@code until} exclusive. */
    private static void window(StringBuilder sql, List<Object> args, String column, Optional<Instant> since,
                               Optional<Instant> until) {
        since.ifPresent(value -> {
            sql.append(" AND ").append(column).append(" >= ?");
            args.add(value.toEpochMilli());
        });
        until.ifPresent(value -> {
            sql.append(" AND ").append(column).append(" < ?");
            args.add(value.toEpochMilli());
        });
    }

    private static PreparedStatement prepare(Connection connection, StringBuilder sql, List<Object> args)
            throws SQLException {
        PreparedStatement result = connection.prepareStatement(sql.toString());
        try {
            for (int i = 0; i < args.size(); i++) {
                result.setObject(i + 1, args.get(i));
            }
        } catch (SQLException e) {
            result.close();
            throw e;
        }
        return result;
    }

    /** Escapes the LIKE wildcards (and the escape character) so that {@code text} matches literally. */
    private static String like(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static String detail(String json, String key) {
        if (json == null) {
            return "";
        }
        try {
            Object value = StoreJson.readObject(json).get(key);
            return value == null ? "" : value.toString();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "";
        }
    }
}
