package dev.sluice.server;

import static dev.sluice.server.PolicyWireClient.bind;
import static dev.sluice.server.PolicyWireClient.errors;
import static dev.sluice.server.PolicyWireClient.execute;
import static dev.sluice.server.PolicyWireClient.parse;
import static dev.sluice.server.PolicyWireClient.sync;
import static dev.sluice.server.PolicyWireClient.types;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.testing.Cli;

/**
 * Issue 3, protocol truthfulness: a refused statement fails the transaction it is in exactly as the client is told,
 * the extended protocol is refused at the right message and resynchronised at Sync, and no statement name (protocol
 * or SQL level) can make Sluice judge one statement while the server runs another.
 */
class PolicyProtocolE2ETest {
    private static GatewayHarness harness;

    private static final String REJECTED = "was rejected by corpus-sre: " + GatewayPolicyRejecter.REASON;
    private static Thread rejecter;

    @BeforeAll
    static void start() throws Exception {
        harness = PolicyE2EFixture.start();
        rejecter = Thread.ofVirtual().start(GatewayPolicyRejecter.of(harness));
    }

    @AfterAll
    static void stop() {
        rejecter.interrupt();
        harness.close();
    }

    @Test
    void refusalInsideAPsqlTransactionBlockRollsBackTheEarlierInsertAndTheSessionStaysUsable() {
        String script = """
                BEGIN;
                INSERT INTO scratch(note) VALUES ('tx-psql');
                DROP TABLE items;
                COMMIT;
                SELECT 'still-' || 'usable';
                """;
        Cli.Result result = Cli.runWithInput(script, Map.of("PGPASSWORD", harness.token("tx-psql", "agents")),
                Duration.ofSeconds(60), "psql", "-X", "-d", harness.conninfo("agent"), "-v", "VERBOSITY=verbose",
                "-f", "-");
        assertThat(result.stderr()).contains("42501: denied by Sluice policy rule \"agents-never-destroy\"");
        assertThat(result.stdout()).contains("ROLLBACK").contains("still-usable");
        assertThat(PolicyE2EFixture.count(harness, "select count(*) from scratch where note = 'tx-psql'")).isZero();
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended", "prepared"})
    void refusalInsideAJdbcTransactionRollsBackTheEarlierInsertAndTheSessionStaysUsable(String mode)
            throws Exception {
        Map<String, String> properties = switch (mode) {
            case "simple" -> Map.of("preferQueryMode", "simple");
            case "prepared" -> Map.of("prepareThreshold", "1");
            default -> Map.of();
        };
        try (Connection c = harness.connect("tx-" + mode, List.of("agents"), properties)) {
            c.setAutoCommit(false);
            insert(c, "tx-" + mode);
            assertThatThrownBy(() -> {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM items")) {
                    s.execute();
                }
            }).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage()).contains("\"writes-need-a-where\"");
            });
            try {
                c.commit();
            } catch (SQLException e) {
                // pgjdbc may report that the server rolled back: that is the point
            }
            c.rollback();
            assertThat(PolicyE2EFixture.count(harness, "select count(*) from scratch where note = 'tx-" + mode + "'"))
                    .isZero();
            insert(c, "after-" + mode);
            c.commit();
            assertThat(PolicyE2EFixture.count(harness,
                    "select count(*) from scratch where note = 'after-" + mode + "'")).isOne();
        }
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    @Test
    void aRefusedStatementInAPgjdbcBatchFailsTheWholeImplicitTransaction() throws Exception {
        try (Connection c = harness.connect("batch", "agents"); Statement s = c.createStatement()) {
            s.addBatch("INSERT INTO scratch(note) VALUES ('batch-1')");
            s.addBatch("TRUNCATE items");
            s.addBatch("INSERT INTO scratch(note) VALUES ('batch-2')");
            assertThatThrownBy(s::executeBatch).isInstanceOfSatisfying(BatchUpdateException.class, e ->
                    assertThat(e.getNextException().getSQLState()).isEqualTo("42501"));
            try (PreparedStatement p = c.prepareStatement("DELETE FROM items WHERE id = ?")) {
                for (int id = 1; id <= 3; id++) {
                    p.setInt(1, id);
                    p.addBatch();
                }
                assertThatThrownBy(p::executeBatch).isInstanceOfSatisfying(BatchUpdateException.class, e ->
                        assertThat(e.getNextException().getMessage()).contains(REJECTED));
            }
            try (ResultSet r = s.executeQuery("select count(*) from items")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(10);
            }
        }
        assertThat(PolicyE2EFixture.count(harness, "select count(*) from scratch where note like 'batch-%'")).isZero();
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    @Test
    void pipelinedMessagesAreRefusedAtTheRefusedStatementAndResynchronisedAtSync() throws Exception {
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token("pipe", "agents"))) {
            client.run("", "INSERT INTO scratch(note) VALUES ('pipe-1')")
                    .run("select_one", "DELETE FROM items WHERE id = 1")
                    .run("", "INSERT INTO scratch(note) VALUES ('pipe-2')")
                    .send(sync());
            List<BackendMessage> answer = client.untilReady();
            // the held DELETE was parsed and bound (that runs nothing), then refused at its Execute
            assertThat(types(answer)).isEqualTo("12C12EZ");
            BackendMessage.ErrorResponse error = errors(answer).getFirst();
            assertThat(error.sqlState()).isEqualTo("42501");
            assertThat(error.message()).contains(REJECTED);
            assertThat(((BackendMessage.ReadyForQuery) answer.getLast()).status()).isEqualTo((byte) 'I');

            client.send(new FrontendMessage.Query("SELECT 40 + 2"));
            assertThat(types(client.untilReady())).isEqualTo("TDCZ");
        }
        assertThat(PolicyE2EFixture.count(harness, "select count(*) from scratch where note like 'pipe-%'")).isZero();
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    @Test
    void aHarmlessStatementNameDoesNotHideADeleteNorSurviveItsRefusal() throws Exception {
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token("names", "agents"))) {
            client.send(parse("select_count", "DELETE FROM items"),
                    new FrontendMessage.Describe((byte) 'S', "select_count"), sync());
            List<BackendMessage> answer = client.untilReady();
            assertThat(types(answer)).isEqualTo("EZ");
            assertThat(errors(answer).getFirst().message()).contains("\"writes-need-a-where\"");

            client.send(bind("select_count"), execute(), sync());
            answer = client.untilReady();
            assertThat(types(answer)).isEqualTo("EZ");
            assertThat(errors(answer).getFirst().message()).contains("was not prepared through Sluice");

            client.send(bind("S_999"), execute(), sync());
            assertThat(errors(client.untilReady()).getFirst().message()).contains("\"S_999\" was not prepared");
            client.send(new FrontendMessage.Execute("never_bound", 0), sync());
            assertThat(errors(client.untilReady()).getFirst().message()).contains("was not bound through Sluice");
        }
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    @Test
    void reParsingAKnownStatementNameCannotRelabelWhatTheServerRuns() throws Exception {
        String update = "UPDATE items SET qty = 500 WHERE id = 8";
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token("relabel", "agents"))) {
            client.run("s1", update).send(sync());
            assertThat(types(client.untilReady())).isEqualTo("12CZ");
            client.send(parse("s1", "SELECT 1"), sync());
            assertThat(errors(client.untilReady())).hasSize(1);
            client.send(bind("s1"), execute(), sync());
            client.untilReady();
        }
        assertThat(lastAllowed("relabel").details()).containsEntry("command_kind", "UPDATE");
        assertThat(lastAllowed("relabel").statement()).isEqualTo(update);
    }

    @Test
    void sqlPrepareDeallocateAndRePrepareUnderTheSameNameIsJudgedByWhatItRuns() throws Exception {
        try (Connection c = harness.connect("prep-1", List.of("agents"), Map.of("preferQueryMode", "simple"));
             Statement s = c.createStatement()) {
            s.execute("PREPARE p AS SELECT 1");
            s.execute("EXECUTE p");
            s.execute("DEALLOCATE p");
            assertThatThrownBy(() -> s.execute("PREPARE p AS DELETE FROM items WHERE id = 1"))
                    .hasMessageContaining(REJECTED);
            assertThatThrownBy(() -> s.execute("EXECUTE p")).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            s.execute("PREPARE p AS SELECT 2");
            s.execute("EXECUTE p");
        }
        assertThat(lastAllowed("prep-1").details()).containsEntry("command_kind", "SELECT");
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    @Test
    void sqlPrepareOfAKnownNameCannotRelabelIt() throws Exception {
        try (Connection c = harness.connect("prep-2", List.of("agents"), Map.of("preferQueryMode", "simple"));
             Statement s = c.createStatement()) {
            s.execute("PREPARE u AS UPDATE items SET qty = 600 WHERE id = 9");
            assertThatThrownBy(() -> s.execute("PREPARE u AS SELECT 1")).isInstanceOf(SQLException.class);
            s.execute("EXECUTE u");
        }
        assertThat(lastAllowed("prep-2").details()).containsEntry("command_kind", "UPDATE");
    }

    @Test
    void aDeallocateInsideARefusedStringDoesNotMakeSluiceForgetTheStatement() throws Exception {
        try (Connection c = harness.connect("prep-3", List.of("agents"), Map.of("preferQueryMode", "simple"));
             Statement s = c.createStatement()) {
            s.execute("PREPARE u2 AS UPDATE items SET qty = 700 WHERE id = 10");
            assertThatThrownBy(() -> s.execute("DEALLOCATE u2; DROP TABLE items"))
                    .hasMessageContaining("agents-never-destroy");
            assertThatThrownBy(() -> s.execute("PREPARE u2 AS SELECT 1")).isInstanceOf(SQLException.class);
            s.execute("EXECUTE u2");
        }
        assertThat(lastAllowed("prep-3").details()).containsEntry("command_kind", "UPDATE");
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).isTrue();
    }

    private static AuditRecord lastAllowed(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject).withKind("command")).stream()
                .filter(r -> r.verdict().equals("allow")).reduce((a, b) -> b).orElseThrow();
    }

    private static void insert(Connection c, String note) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO scratch(note) VALUES (?)")) {
            s.setString(1, note);
            s.executeUpdate();
        }
    }
}
