package dev.sluice.server;

import static dev.sluice.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/** pgjdbc through Sluice: what an agent's JDBC code and a GUI client such as DBeaver do. */
class PostgresJdbcE2ETest {
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start("");
        try (Connection c = harness.connect("setup", "agents"); Statement s = c.createStatement()) {
            s.execute("create table customers (id int primary key, name text not null)");
            s.execute("create table invoices (id serial primary key, customer_id int references customers(id),"
                    + " amount numeric(10,2), note text)");
            s.execute("create index invoices_customer on invoices(customer_id)");
            s.execute("create function double_it(x int) returns int language sql as 'select x * 2'");
            s.execute("create procedure touch_it() language sql as 'select 1'");
            s.execute("insert into customers select g, 'customer ' || g from generate_series(1, 20) g");
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void preparedStatementRunsBeyondTheServerPrepareThreshold() throws Exception {
        try (Connection c = harness.connect("jdbc-prep", "agents");
             PreparedStatement p = c.prepareStatement("select name from customers where id = ?")) {
            for (int i = 1; i <= 10; i++) {
                p.setInt(1, i);
                try (ResultSet r = p.executeQuery()) {
                    assertThat(r.next()).isTrue();
                    assertThat(r.getString(1)).isEqualTo("customer " + i);
                }
            }
        }
        List<AuditRecord> statements = harness.audit(AuditQuery.all().withSubject("jdbc-prep").withKind("command"));
        assertThat(statements).filteredOn(e -> e.statement().equals("select name from customers where id = $1"))
                .hasSize(10)
                .allSatisfy(e -> assertThat(e.verdict()).isEqualTo("allow"))
                .anySatisfy(e -> assertThat(e.details().get("parameters")).isEqualTo(List.of("10")));
    }

    @Test
    void preparedStatementWorksWithImmediateServerPrepareAndBinaryTransfer() throws Exception {
        try (Connection c = harness.connect("jdbc-binary", List.of("agents"),
                Map.of("prepareThreshold", "1", "binaryTransfer", "true"));
             PreparedStatement p = c.prepareStatement(
                     "select ?::int + 1, ?::numeric * 2, ?::timestamptz, ?::bytea, ?::float8, ?::bool, ?::bigint")) {
            for (int i = 0; i < 10; i++) {
                p.setInt(1, i);
                p.setBigDecimal(2, new java.math.BigDecimal("1.25"));
                p.setTimestamp(3, java.sql.Timestamp.valueOf("2024-01-02 03:04:05"));
                p.setBytes(4, new byte[] {1, 2, (byte) 255});
                p.setDouble(5, 0.5);
                p.setBoolean(6, true);
                p.setLong(7, -5_000_000_000L);
                try (ResultSet r = p.executeQuery()) {
                    assertThat(r.next()).isTrue();
                    assertThat(r.getInt(1)).isEqualTo(i + 1);
                    assertThat(r.getBigDecimal(2)).isEqualByComparingTo("2.50");
                    assertThat(r.getTimestamp(3)).isEqualTo(java.sql.Timestamp.valueOf("2024-01-02 03:04:05"));
                    assertThat(r.getBytes(4)).containsExactly(1, 2, 255);
                    assertThat(r.getDouble(5)).isEqualTo(0.5);
                    assertThat(r.getBoolean(6)).isTrue();
                    assertThat(r.getLong(7)).isEqualTo(-5_000_000_000L);
                }
            }
        }
        // Binary parameters are audited as readable values, not hex. (Journaled events reach the queryable trail
        // just after the statement ran.)
        await(() -> assertThat(audited("jdbc-binary", "select $1::int + 1")).hasSize(10));
        List<AuditRecord> audited = audited("jdbc-binary", "select $1::int + 1");
        assertThat((List<?>) audited.getLast().details().get("parameters"))
                .satisfiesExactly(p -> assertThat(p).isEqualTo("9"), p -> assertThat(p).isEqualTo("1.25"),
                        p -> assertThat(p.toString()).startsWith("2024-01-02"),
                        p -> assertThat(p).isEqualTo("\\x0102ff"), p -> assertThat(p).isEqualTo("0.5"),
                        p -> assertThat(p.toString()).isEqualToIgnoringCase("true"),
                        p -> assertThat(p).isEqualTo("-5000000000"));
    }

    @Test
    void batchesRunPlainAndRewritten() throws Exception {
        for (String rewrite : List.of("false", "true")) {
            try (Connection c = harness.connect("jdbc-batch", List.of("agents"),
                    Map.of("reWriteBatchedInserts", rewrite));
                 Statement s = c.createStatement()) {
                s.execute("create table batch_" + rewrite + " (id int, label text)");
                try (PreparedStatement p = c.prepareStatement("insert into batch_" + rewrite + " values (?, ?)")) {
                    for (int i = 0; i < 500; i++) {
                        p.setInt(1, i);
                        p.setString(2, "row " + i);
                        p.addBatch();
                    }
                    int[] counts = p.executeBatch();
                    assertThat(counts).hasSize(500);
                }
                s.addBatch("update batch_" + rewrite + " set label = 'x' where id < 10");
                s.addBatch("delete from batch_" + rewrite + " where id >= 400");
                assertThat(s.executeBatch()).containsExactly(10, 100);
                try (ResultSet r = s.executeQuery("select count(*) from batch_" + rewrite)) {
                    r.next();
                    assertThat(r.getInt(1)).isEqualTo(400);
                }
            }
        }
    }

    @Test
    void copyManagerCopiesInAndOut() throws Exception {
        try (Connection c = harness.connect("jdbc-copy", "agents"); Statement s = c.createStatement()) {
            s.execute("create table copied (id int, label text)");
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder input = new StringBuilder();
            for (int i = 0; i < 5000; i++) {
                input.append(i).append('\t').append("label ").append(i).append('\n');
            }
            long in = copy.copyIn("copy copied from stdin",
                    new ByteArrayInputStream(input.toString().getBytes(StandardCharsets.UTF_8)));
            assertThat(in).isEqualTo(5000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long written = copy.copyOut("copy (select * from copied order by id) to stdout", out);
            assertThat(written).isEqualTo(5000);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(input.toString());
            try (ResultSet r = s.executeQuery("select 1")) {
                assertThat(r.next()).isTrue();
            }
        }
        assertThat(harness.audit(AuditQuery.all().withSubject("jdbc-copy").withKind("command.result")))
                .anySatisfy(e -> assertThat(e.rows()).isEqualTo(5000));
    }

    @Test
    void cancelStopsALongQueryWithSqlState57014() throws Exception {
        try (Connection c = harness.connect("jdbc-cancel", "agents"); Statement s = c.createStatement()) {
            long start = System.nanoTime();
            CompletableFuture<Void> canceller = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(1000);
                    s.cancel();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThatThrownBy(() -> s.executeQuery("select pg_sleep(30)"))
                    .isInstanceOfSatisfying(PSQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            canceller.get(5, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);
            try (ResultSet r = s.executeQuery("select 7")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(7);
            }
        }
    }

    @Test
    void databaseMetaDataAnswersWhatAGuiClientAsksOnConnect() throws Exception {
        try (Connection c = harness.connect("jdbc-meta", "agents")) {
            DatabaseMetaData meta = c.getMetaData();
            assertThat(meta.getDatabaseProductName()).isEqualTo("PostgreSQL");
            assertThat(names(meta.getCatalogs(), "TABLE_CAT")).contains("orders");
            assertThat(names(meta.getSchemas(), "TABLE_SCHEM")).contains("public", "pg_catalog");
            assertThat(names(meta.getTables(null, "public", "%", new String[] {"TABLE"}), "TABLE_NAME"))
                    .contains("customers", "invoices");
            assertThat(names(meta.getColumns(null, "public", "invoices", "%"), "COLUMN_NAME"))
                    .containsExactly("id", "customer_id", "amount", "note");
            assertThat(names(meta.getPrimaryKeys(null, "public", "customers"), "COLUMN_NAME")).containsExactly("id");
            assertThat(names(meta.getImportedKeys(null, "public", "invoices"), "PKTABLE_NAME"))
                    .containsExactly("customers");
            assertThat(names(meta.getTypeInfo(), "TYPE_NAME")).contains("int4", "text", "numeric");
            assertThat(names(meta.getProcedures(null, "public", "%"), "PROCEDURE_NAME")).contains("touch_it");
            assertThat(names(meta.getFunctions(null, "public", "double%"), "FUNCTION_NAME")).contains("double_it");
            assertThat(names(meta.getIndexInfo(null, "public", "invoices", false, false), "INDEX_NAME"))
                    .contains("invoices_pkey", "invoices_customer");
        }
    }

    @Test
    void transactionsCommitAndRollBack() throws Exception {
        try (Connection c = harness.connect("jdbc-tx", "agents"); Statement s = c.createStatement()) {
            s.execute("create table ledger (id int)");
            c.setAutoCommit(false);
            s.execute("insert into ledger values (1)");
            c.commit();
            s.execute("insert into ledger values (2)");
            c.rollback();
            s.execute("insert into ledger values (3)");
            java.sql.Savepoint point = c.setSavepoint();
            s.execute("insert into ledger values (4)");
            c.rollback(point);
            c.commit();
            assertThatThrownBy(() -> s.execute("select * from no_such_table"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42P01"));
            c.rollback();
            c.setAutoCommit(true);
        }
        try (Connection direct = harness.direct(); Statement s = direct.createStatement();
             ResultSet r = s.executeQuery("select string_agg(id::text, ',' order by id) from ledger")) {
            r.next();
            assertThat(r.getString(1)).isEqualTo("1,3");
        }
    }

    @Test
    void largeResultStreamsWithAFetchSize() throws Exception {
        try (Connection c = harness.connect("jdbc-stream", "agents")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1000);
                long count = 0;
                long sum = 0;
                try (ResultSet r = s.executeQuery("select g, repeat('x', 50) from generate_series(1, 200000) g")) {
                    while (r.next()) {
                        count++;
                        sum += r.getLong(1);
                    }
                }
                assertThat(count).isEqualTo(200_000);
                assertThat(sum).isEqualTo(200_000L * 200_001L / 2);
            }
            c.commit();
        }
        // One statement, judged and audited once however many chunks were fetched; its result counts every row.
        List<AuditRecord> statements = harness.audit(AuditQuery.all().withSubject("jdbc-stream").withKind("command"))
                .stream().filter(e -> e.statement().contains("generate_series(1, 200000)")).toList();
        assertThat(statements).hasSize(1);
        Object id = statements.getFirst().details().get("statement_id");
        await(() -> assertThat(harness.audit(AuditQuery.all().withSubject("jdbc-stream").withKind("command.result")))
                .filteredOn(e -> id.equals(e.details().get("statement_id")))
                .singleElement()
                .satisfies(e -> assertThat(e.rows()).isEqualTo(200_000)));
    }

    private static List<AuditRecord> audited(String subject, String prefix) {
        return harness.audit(AuditQuery.all().withSubject(subject).withKind("command")).stream()
                .filter(e -> e.statement().startsWith(prefix)).toList();
    }

    @Test
    void largeSingleValueRoundTrips() throws Exception {
        String big = "abcdefghij".repeat(1024 * 1024);
        try (Connection c = harness.connect("jdbc-big", "agents")) {
            try (PreparedStatement p = c.prepareStatement("select length(?::text), md5(?::text)")) {
                p.setString(1, big);
                p.setString(2, big);
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    assertThat(r.getInt(1)).isEqualTo(big.length());
                }
            }
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("select repeat('abcdefghij', 1024 * 1024)")) {
                r.next();
                assertThat(r.getString(1)).isEqualTo(big);
            }
        }
    }

    @Test
    void notificationsReachAListeningConnection() throws Exception {
        try (Connection listener = harness.connect("jdbc-listen", "agents");
             Connection sender = harness.connect("jdbc-notify", "agents")) {
            try (Statement s = listener.createStatement()) {
                s.execute("listen orders_changed");
            }
            try (Statement s = sender.createStatement()) {
                s.execute("notify orders_changed, 'order 42'");
            }
            PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(5000);
            assertThat(notifications).isNotNull().hasSize(1);
            assertThat(notifications[0].getName()).isEqualTo("orders_changed");
            assertThat(notifications[0].getParameter()).isEqualTo("order 42");
        }
    }

    @Test
    void batchFailingHalfWayReportsTheErrorAndTheSessionGoesOn() throws Exception {
        try (Connection c = harness.connect("jdbc-batch-fail", "agents"); Statement s = c.createStatement()) {
            s.execute("create table unique_ids (id int primary key)");
            try (PreparedStatement p = c.prepareStatement("insert into unique_ids values (?)")) {
                for (int id : new int[] {1, 2, 2, 3}) {
                    p.setInt(1, id);
                    p.addBatch();
                }
                assertThatThrownBy(p::executeBatch).isInstanceOfSatisfying(java.sql.BatchUpdateException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("23505"));
            }
            // One Sync for the whole batch: an implicit transaction, rolled back as a whole by the server.
            try (ResultSet r = s.executeQuery("select count(*) from unique_ids")) {
                r.next();
                assertThat(r.getInt(1)).isZero();
            }
        }
        List<AuditRecord> results = harness.audit(AuditQuery.all().withSubject("jdbc-batch-fail")
                .withKind("command.result"));
        assertThat(results).anySatisfy(e -> assertThat(e.details().get("sqlstate")).isEqualTo("23505"))
                .anySatisfy(e -> assertThat(e.error()).contains("not executed"));
    }

    @Test
    void copyWithBadDataFailsCleanlyAndTheSessionGoesOn() throws Exception {
        try (Connection c = harness.connect("jdbc-copy-fail", "agents"); Statement s = c.createStatement()) {
            s.execute("create table typed (id int)");
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            assertThatThrownBy(() -> copy.copyIn("copy typed from stdin",
                    new ByteArrayInputStream("1\nnot a number\n".getBytes(StandardCharsets.UTF_8))))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22P02"));
            try (ResultSet r = s.executeQuery("select count(*) from typed")) {
                r.next();
                assertThat(r.getInt(1)).isZero();
            }
        }
    }

    @Test
    void largeLiteralRunsAndItsStatementIsAuditedBounded() throws Exception {
        // under limits.max-statement-bytes (1 MiB by default): a larger statement is refused, see StatementLimitsE2ETest
        String big = "x".repeat(900 * 1024);
        try (Connection c = harness.connect("jdbc-big-literal", "agents"); Statement s = c.createStatement()) {
            s.execute("create table blobs (body text)");
            assertThat(s.executeUpdate("insert into blobs values ('" + big + "')")).isEqualTo(1);
            try (ResultSet r = s.executeQuery("select length(body) from blobs")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(big.length());
            }
        }
        assertThat(harness.audit(AuditQuery.all().withSubject("jdbc-big-literal").withKind("command")))
                .anySatisfy(e -> assertThat(e.statement()).startsWith("insert into blobs")
                        .hasSizeLessThan(70_000).contains("…[cut: ").contains(" bytes, sha256 "));
    }

    private static List<String> names(ResultSet rows, String column) throws SQLException {
        try (rows) {
            List<String> result = new java.util.ArrayList<>();
            while (rows.next()) {
                result.add(rows.getString(column));
            }
            return result;
        }
    }
}
