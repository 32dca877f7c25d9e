package dev.sluice.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;

import dev.sluice.console.ImpactPreview;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.approval.ApprovalKind;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.PostgresTarget;
import dev.sluice.core.config.UpstreamTls;
import dev.sluice.postgres.ImpactQueries;

/**
 * The impact preview of a held PostgreSQL {@code DELETE}/{@code UPDATE}: the rows its {@code WHERE} clause matches,
 * counted by {@link ImpactQueries}' re-rendered query as the connection's own user, in a {@code READ ONLY}
 * transaction with a 2 s statement timeout, and only when the target is an ordinary or partitioned table (a view
 * could run code when read). Never runs the statement itself. The count is of the statement as audited: with
 * statement masking its literals may be masked, and the count is then of the masked text.
 */
final class SqlImpactPreview implements ImpactPreview {
    private final Supplier<GatewayState> state;

    SqlImpactPreview(Supplier<GatewayState> state) {
        this.state = state;
    }

    @Override
    public Optional<Impact> preview(ApprovalRequest request) {
        if (request.kind() != ApprovalKind.STATEMENT || request.statement().isBlank()) {
            return Optional.empty();
        }
        Optional<ConnectionConfig> connection = state.get().config().connection(request.connection())
                .filter(c -> c.target() instanceof PostgresTarget);
        Optional<ImpactQueries.Count> count = ImpactQueries.of(request.statement());
        if (connection.isEmpty() || count.isEmpty()) {
            return Optional.empty();
        }
        String verb = count.get().kind().equals("DELETE") ? "deleted" : "updated";
        try (Connection c = connect(connection.get())) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (Statement s = c.createStatement()) {
                s.execute("SET TRANSACTION READ ONLY");
                s.execute("SET LOCAL statement_timeout = '2s'");
                s.execute("SET LOCAL lock_timeout = '500ms'");
            }
            try (PreparedStatement kind = c.prepareStatement(
                    "SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(?)")) {
                kind.setString(1, count.get().table().replaceFirst("^ONLY ", ""));
                try (ResultSet r = kind.executeQuery()) {
                    if (!r.next() || !(r.getString(1).equals("r") || r.getString(1).equals("p"))) {
                        c.rollback();
                        return Optional.of(new Impact("no preview: " + count.get().table()
                                + " is not an ordinary table", -1, count.get().query()));
                    }
                }
            }
            long rows;
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(count.get().query())) {
                r.next();
                rows = r.getLong(1);
            }
            c.rollback();
            return Optional.of(new Impact(rows + (rows == 1 ? " row" : " rows") + " of " + count.get().table()
                    + " would be " + verb + " (read-only count now)", rows, count.get().query()));
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : " (" + e.getSQLState() + ")";
            return Optional.of(new Impact("no preview: the count failed" + state, -1, count.get().query()));
        }
    }

    private static Connection connect(ConnectionConfig connection) throws SQLException {
        PostgresTarget target = (PostgresTarget) connection.target();
        Properties properties = new Properties();
        properties.setProperty("user", target.user());
        properties.setProperty("password", target.password().reveal());
        properties.setProperty("ApplicationName", "sluice impact preview");
        properties.setProperty("connectTimeout", "3");
        properties.setProperty("socketTimeout", "5");
        UpstreamTls tls = target.tls();
        properties.setProperty("sslmode", switch (tls.mode()) {
            case DISABLE -> "disable";
            case PREFER -> "prefer";
            case REQUIRE -> "require";
            case VERIFY_FULL -> "verify-full";
        });
        tls.caFile().ifPresent(f -> properties.setProperty("sslrootcert", f.toString()));
        String host = connection.address().host().contains(":") ? "[" + connection.address().host() + "]"
                : connection.address().host();
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + connection.address().port() + "/"
                + target.database(), properties);
    }
}
