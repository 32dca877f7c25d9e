package dev.sluice.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.sluice.core.approval.AccessGrant;
import dev.sluice.core.approval.ApprovalKind;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.policy.Action;

/**
 * The approval tables in portable SQL over any JDBC connection: the same statements run on SQLite and PostgreSQL
 * ({@link ApprovalTables}). Stateless; the caller owns the
 * connection and its thread.
 */
final class ApprovalStoreSql {
    private static final String COLUMNS = "id, kind, state, version, requester, subject, connection, session, "
            + "statement_id, statement, classification, shape, rule, reason, approvers, approvals_required, scope, "
            + "grant_ms, justification, created_ms, expires_ms, votes, note, issuer, preview";

    private ApprovalStoreSql() {
    }

    /** Inserts a new request; returns the rows inserted (1). */
    static int insert(Connection c, ApprovalRequest r) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO approval_request (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            bind(s, r);
            return s.executeUpdate();
        }
    }

    static boolean update(Connection c, ApprovalRequest r) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE approval_request SET state = ?, version = ?, votes = ?, "
                + "note = ? WHERE id = ? AND version = ?")) {
            s.setString(1, r.state().label());
            s.setLong(2, r.version());
            s.setString(3, StoreJson.write(ApprovalRows.votes(r.votes())));
            s.setString(4, r.note());
            s.setString(5, r.id());
            s.setLong(6, r.version() - 1);
            return s.executeUpdate() == 1;
        }
    }

    static Optional<ApprovalRequest> find(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM approval_request WHERE id = ?")) {
            s.setString(1, id);
            List<ApprovalRequest> result = read(s);
            return result.stream().findFirst();
        }
    }

    static List<ApprovalRequest> list(Connection c, Optional<ApprovalState> state, int limit) throws SQLException {
        String where = state.isPresent() ? " WHERE state = ?" : "";
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM approval_request" + where
                + " ORDER BY created_ms DESC, id LIMIT ?")) {
            int i = 1;
            if (state.isPresent()) {
                s.setString(i++, state.get().label());
            }
            s.setInt(i, limit);
            return read(s);
        }
    }

    /** Inserts a grant; returns the rows inserted (1). */
    static int insertGrant(Connection c, AccessGrant g) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO access_grant (id, approval_id, issuer, subject, "
                + "connection, shape, granted_ms, until_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, g.id());
            s.setString(2, g.approvalId());
            s.setString(3, g.issuer());
            s.setString(4, g.subject());
            s.setString(5, g.connection());
            s.setString(6, g.shape());
            s.setLong(7, g.granted().toEpochMilli());
            s.setLong(8, g.until().toEpochMilli());
            return s.executeUpdate();
        }
    }

    /** Grants of the identity (issuer, subject), both compared exactly; grants stored without an issuer match none. */
    static List<AccessGrant> activeGrants(Connection c, String issuer, String subject, String connection, String shape,
                                          Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT id, approval_id, issuer, subject, connection, shape, "
                + "granted_ms, until_ms FROM access_grant WHERE issuer = ? AND subject = ? AND connection = ? "
                + "AND shape = ? AND until_ms > ? AND granted_ms <= ? ORDER BY until_ms DESC")) {
            s.setString(1, issuer);
            s.setString(2, subject);
            s.setString(3, connection);
            s.setString(4, shape);
            s.setLong(5, now.toEpochMilli());
            s.setLong(6, now.toEpochMilli());
            List<AccessGrant> result = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    result.add(new AccessGrant(rows.getString(1), rows.getString(2), rows.getString(3),
                            rows.getString(4), rows.getString(5), rows.getString(6),
                            Instant.ofEpochMilli(rows.getLong(7)), Instant.ofEpochMilli(rows.getLong(8))));
                }
            }
            return result;
        }
    }

    private static void bind(PreparedStatement s, ApprovalRequest r) throws SQLException {
        s.setString(1, r.id());
        s.setString(2, r.kind().label());
        s.setString(3, r.state().label());
        s.setLong(4, r.version());
        s.setString(5, StoreJson.write(ApprovalRows.principal(r.requester())));
        s.setString(6, r.requester().subject());
        s.setString(7, r.connection());
        s.setString(8, r.session());
        s.setLong(9, r.statementId());
        s.setString(10, r.statement());
        s.setString(11, r.classification());
        s.setString(12, r.shape());
        s.setString(13, r.rule());
        s.setString(14, r.reason());
        s.setString(15, StoreJson.write(r.approvers().stream().sorted().toList()));
        s.setLong(16, r.approvalsRequired());
        s.setString(17, r.scope().label());
        s.setLong(18, r.grantFor().toMillis());
        s.setString(19, r.justification());
        s.setLong(20, r.created().toEpochMilli());
        s.setLong(21, r.expires().toEpochMilli());
        s.setString(22, StoreJson.write(ApprovalRows.votes(r.votes())));
        s.setString(23, r.note());
        s.setString(24, r.requester().issuer());
        s.setString(25, r.preview().isEmpty() ? "" : StoreJson.write(r.preview().toMap()));
    }

    private static List<ApprovalRequest> read(PreparedStatement s) throws SQLException {
        List<ApprovalRequest> result = new ArrayList<>();
        try (ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
                result.add(row(rows));
            }
        }
        return result;
    }

    private static HeldPreview preview(String json) throws JsonProcessingException {
        return json == null || json.isEmpty() ? HeldPreview.none() : HeldPreview.fromMap(StoreJson.readObject(json));
    }

    private static ApprovalRequest row(ResultSet rows) throws SQLException {
        try {
            return new ApprovalRequest(rows.getString(1), ApprovalKind.parse(rows.getString(2)),
                    ApprovalState.parse(rows.getString(3)).orElseThrow(), rows.getLong(4),
                    ApprovalRows.principal(StoreJson.readObject(rows.getString(5))), rows.getString(7),
                    rows.getString(8), rows.getLong(9), rows.getString(10), rows.getString(11), rows.getString(12),
                    rows.getString(13), rows.getString(14), new LinkedHashSet<>(StoreJson.readStrings(
                    rows.getString(15))), (int) rows.getLong(16),
                    Action.Scope.valueOf(rows.getString(17).toUpperCase(java.util.Locale.ROOT)),
                    Duration.ofMillis(rows.getLong(18)), rows.getString(19), Instant.ofEpochMilli(rows.getLong(20)),
                    Instant.ofEpochMilli(rows.getLong(21)), ApprovalRows.votes(rows.getString(22)),
                    rows.getString(23), preview(rows.getString(25)));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new SQLException("approval request " + rows.getString(1) + " cannot be read: " + e.getMessage(), e);
        }
    }
}
