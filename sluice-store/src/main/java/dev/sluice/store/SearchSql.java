package dev.sluice.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;

/**
 * The SQL of {@link SqliteAuditReader}: searches with a seq cursor, and the session list. Portable statements (LIKE
 * with an explicit escape character); group membership matches the JSON-quoted name inside the stored groups array.
 * Stateless.
 */
final class SearchSql {
    private static final String SESSION_END = "(SELECT %s FROM audit_event e WHERE e.session = s.session "
            + "AND e.kind = 'session.end' ORDER BY e.seq DESC LIMIT 1)";
    private static final String SESSIONS = "SELECT s.session, s.subject, s.connection, s.details, s.time_ms, "
            + SESSION_END.formatted("e.time_ms") + ", " + SESSION_END.formatted("e.details") + ", "
            + "(SELECT COUNT(*) FROM audit_event e WHERE e.session = s.session AND e.kind = 'statement') "
            + "FROM audit_event s WHERE s.kind = 'session.start'";

    private SearchSql() {
    }

    static List<AuditRecord> search(Connection connection, AuditSearch search) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(AuditTable.COLUMNS)
                .append(" FROM audit_event WHERE seq > ?");
        List<Object> args = new ArrayList<>();
        args.add(search.afterSeq());
        equal(sql, args, "subject", search.filter(Field.SUBJECT));
        equal(sql, args, "connection", search.filter(Field.CONNECTION));
        equal(sql, args, "session", search.filter(Field.SESSION));
        equal(sql, args, "kind", search.filter(Field.KIND));
        equal(sql, args, "verdict", search.filter(Field.VERDICT));
        search.filter(Field.GROUP).ifPresent(group -> {
            sql.append(" AND groups LIKE ? ESCAPE '\\'");
            args.add("%" + like(StoreJson.write(group)) + "%");
        });
        search.filter(Field.TEXT).ifPresent(text -> {
            sql.append(" AND (statement LIKE ? ESCAPE '\\' OR error LIKE ? ESCAPE '\\' OR details LIKE ? ESCAPE '\\')");
            String pattern = "%" + like(text) + "%";
            args.add(pattern);
            args.add(pattern);
            // details are stored as JSON: match the text as it is escaped there
            String json = StoreJson.write(text);
            args.add("%" + like(json.substring(1, json.length() - 1)) + "%");
        });
        window(sql, args, "time_ms", search);
        sql.append(" ORDER BY seq LIMIT ?");
        args.add(search.limit());
        List<AuditRecord> result = new ArrayList<>();
        try (PreparedStatement select = prepare(connection, sql.toString(), args); ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                result.add(AuditTable.toRecord(AuditTable.read(rs)));
            }
        }
        return result;
    }

    static List<SessionSummary> sessions(Connection connection, AuditSearch search, Optional<String> id)
            throws SQLException {
        StringBuilder sql = new StringBuilder(SESSIONS);
        List<Object> args = new ArrayList<>();
        equal(sql, args, "s.session", id);
        equal(sql, args, "s.subject", search.filter(Field.SUBJECT));
        equal(sql, args, "s.connection", search.filter(Field.CONNECTION));
        window(sql, args, "s.time_ms", search);
        sql.append(" ORDER BY s.seq DESC LIMIT ?");
        args.add(search.limit());
        List<SessionSummary> result = new ArrayList<>();
        try (PreparedStatement select = prepare(connection, sql.toString(), args); ResultSet rs = select.executeQuery()) {
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

    private static void equal(StringBuilder sql, List<Object> args, String column, Optional<String> value) {
        value.ifPresent(v -> {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(v);
        });
    }

    private static void window(StringBuilder sql, List<Object> args, String column, AuditSearch search) {
        search.since().ifPresent(since -> {
            sql.append(" AND ").append(column).append(" >= ?");
            args.add(since.toEpochMilli());
        });
        search.until().ifPresent(until -> {
            sql.append(" AND ").append(column).append(" < ?");
            args.add(until.toEpochMilli());
        });
    }

    private static PreparedStatement prepare(Connection connection, String sql, List<Object> args)
            throws SQLException {
        PreparedStatement result = connection.prepareStatement(sql);
        for (int i = 0; i < args.size(); i++) {
            result.setObject(i + 1, args.get(i));
        }
        return result;
    }

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
