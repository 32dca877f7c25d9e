package dev.sluice.server;

import static dev.sluice.server.PolicyWireClient.bind;
import static dev.sluice.server.PolicyWireClient.close;
import static dev.sluice.server.PolicyWireClient.describe;
import static dev.sluice.server.PolicyWireClient.errors;
import static dev.sluice.server.PolicyWireClient.execute;
import static dev.sluice.server.PolicyWireClient.parse;
import static dev.sluice.server.PolicyWireClient.query;
import static dev.sluice.server.PolicyWireClient.sync;
import static dev.sluice.server.PolicyWireClient.types;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.testing.Cli;

/**
 * Issue 9, class 3: protocol-level and SQL-level prepared statements are one namespace on the server, and so are
 * protocol portals and SQL cursors. Through the raw protocol, every way to define, replace, run or drop a name is
 * tried as an attacker would; each test checks what the client saw, that the database is intact, and that the
 * statement that would have run is in the audit trail with its own text, kind and verdict.
 */
class NamedStatementsE2ETest {
    private static final String REJECTED = "was rejected by corpus-sre: " + GatewayPolicyRejecter.REASON;
    private static GatewayHarness harness;
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

    @AfterEach
    void theDatabaseIsIntact() {
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).as("items intact").isTrue();
    }

    private static PolicyWireClient connect(String subject) throws Exception {
        return PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"));
    }

    private static List<BackendMessage> exchange(PolicyWireClient client, FrontendMessage... messages)
            throws Exception {
        return client.send(messages).untilReady();
    }

    private static String firstError(List<BackendMessage> answer) {
        assertThat(errors(answer)).as("errors in " + types(answer)).isNotEmpty();
        return errors(answer).getFirst().sqlState() + ": " + errors(answer).getFirst().message();
    }

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject).withKind("command").withLimit(1000));
    }

    /** The DELETE was judged (held, then rejected) as itself, with its own text in the audited statement. */
    private static void heldAsTheDelete(String subject, String sent, String delete) {
        assertThat(audit(subject)).as("audit of " + subject).anySatisfy(r -> {
            assertThat(r.verdict()).isEqualTo("hold");
            assertThat(r.details().get("rule")).isEqualTo("deletes-need-a-human");
            assertThat((String) r.details().get("command_kind")).contains("DELETE");
            assertThat(r.statement()).startsWith(sent).contains(delete);
        });
    }

    @Test
    void closeThenParseOfADeleteUnderTheSameNameThenSqlExecuteIsHeldAsTheDelete() throws Exception {
        String delete = "DELETE FROM items WHERE id = 1";
        try (PolicyWireClient client = connect("n-close-parse")) {
            assertThat(types(exchange(client, parse("q1", "SELECT 1"), sync()))).isEqualTo("1Z");
            assertThat(types(exchange(client, close('S', "q1"), parse("q1", delete), sync()))).isEqualTo("31Z");
            List<BackendMessage> answer = exchange(client, query("EXECUTE q1"));
            assertThat(firstError(answer)).startsWith("42501: ").contains(REJECTED);
        }
        heldAsTheDelete("n-close-parse", "EXECUTE q1", delete);
    }

    @Test
    void closeParseAndExecutePipelinedBeforeAnyAnswerAreJudgedByTheMostDangerousReading() throws Exception {
        String delete = "DELETE FROM items WHERE id = 2";
        try (PolicyWireClient client = connect("n-pipelined")) {
            exchange(client, parse("q1", "SELECT 1"), sync());
            // nothing is read until all is sent: Sluice cannot know yet whether the Parse succeeded
            client.send(close('S', "q1"), parse("q1", delete), sync(), query("EXECUTE q1"));
            assertThat(types(client.untilReady())).isEqualTo("31Z");
            assertThat(firstError(client.untilReady())).contains(REJECTED);
        }
        heldAsTheDelete("n-pipelined", "EXECUTE q1", delete);
    }

    @Test
    void aDeleteReturningBoundIntoANamedPortalAndReadWithSqlFetchIsHeldAsTheDelete() throws Exception {
        String delete = "DELETE FROM items WHERE id = 3 RETURNING *";
        try (PolicyWireClient client = connect("n-fetch")) {
            exchange(client, query("BEGIN"));
            assertThat(types(exchange(client, parse("", delete), bind("p1", ""), sync()))).isEqualTo("12Z");
            assertThat(firstError(exchange(client, query("FETCH ALL FROM p1")))).contains(REJECTED);
            exchange(client, query("ROLLBACK"));
        }
        heldAsTheDelete("n-fetch", "FETCH ALL FROM p1", delete);
    }

    @Test
    void aDeleteReturningPortalMovedWithSqlMoveIsHeldAsTheDelete() throws Exception {
        String delete = "DELETE FROM items WHERE id = 4 RETURNING id";
        try (PolicyWireClient client = connect("n-move")) {
            exchange(client, query("BEGIN"));
            exchange(client, parse("d", delete), bind("Portal One", "d"), sync());
            assertThat(firstError(exchange(client, query("MOVE ALL IN \"Portal One\"")))).contains(REJECTED);
            exchange(client, query("ROLLBACK"));
        }
        heldAsTheDelete("n-move", "MOVE ALL IN \"Portal One\"", delete);
    }

    @Test
    void aSqlPreparedStatementCanBeBoundByTheProtocolAndIsJudgedAsItself() throws Exception {
        try (PolicyWireClient client = connect("n-prepare-bind")) {
            exchange(client, query("PREPARE s AS SELECT name FROM items WHERE id = 5"));
            List<BackendMessage> answer = exchange(client, bind("", "s"), execute(), sync());
            assertThat(types(answer)).isEqualTo("2DCZ");
            // the protocol Close drops the SQL statement too: EXECUTE is refused, as the server would refuse it
            exchange(client, close('S', "s"), sync());
            assertThat(firstError(exchange(client, query("EXECUTE s")))).contains("was not prepared through Sluice");
        }
        assertThat(audit("n-prepare-bind")).anySatisfy(r -> {
            assertThat(r.verdict()).isEqualTo("allow");
            assertThat(r.statement()).isEqualTo("PREPARE s AS SELECT name FROM items WHERE id = 5");
        });
    }

    @Test
    void aProtocolStatementReplacedUnderASqlNameIsHeldAtItsProtocolExecute() throws Exception {
        String delete = "DELETE FROM items WHERE id = 6";
        try (PolicyWireClient client = connect("n-sql-then-parse")) {
            exchange(client, query("PREPARE s AS SELECT 1"));
            assertThat(firstError(exchange(client, query("DEALLOCATE s; SELECT 1/0")))).startsWith("22012");
            // the DEALLOCATE ran before the error: s is gone, and a Parse of s succeeds
            assertThat(types(exchange(client, parse("s", delete), sync()))).isEqualTo("1Z");
            assertThat(firstError(exchange(client, bind("", "s"), execute(), sync()))).contains(REJECTED);
            assertThat(firstError(exchange(client, query("EXECUTE s")))).contains(REJECTED);
        }
        heldAsTheDelete("n-sql-then-parse", delete, delete);
        heldAsTheDelete("n-sql-then-parse", "EXECUTE s", delete);
    }

    @Test
    void deallocateThenProtocolBindIsRefusedButAPortalBoundBeforeStillRuns() throws Exception {
        try (PolicyWireClient client = connect("n-deallocate")) {
            exchange(client, query("BEGIN"));
            exchange(client, parse("s2", "SELECT 42"), bind("pp", "s2"), sync());
            exchange(client, query("DEALLOCATE s2"));
            assertThat(types(exchange(client, execute("pp", 0), sync()))).isEqualTo("DCZ");
            assertThat(firstError(exchange(client, bind("", "s2"), execute(), sync())))
                    .contains("\"s2\" was not prepared through Sluice");
            exchange(client, query("ROLLBACK"));
            assertThat(firstError(exchange(client, execute("pp", 0), sync())))
                    .contains("portal \"pp\" was not bound through Sluice");
        }
    }

    @Test
    void aParseTheServerRejectsLeavesNoNameBehind() throws Exception {
        try (PolicyWireClient client = connect("n-parse-fails")) {
            // libpg_query accepts it, the server does not know the table
            List<BackendMessage> answer = exchange(client, parse("q3", "DELETE FROM no_such_table WHERE id = 1"),
                    sync());
            assertThat(firstError(answer)).startsWith("42P01");
            assertThat(firstError(exchange(client, query("EXECUTE q3")))).contains("\"q3\" was not prepared");
            assertThat(firstError(exchange(client, bind("", "q3"), execute(), sync()))).contains("not prepared");
        }
        // a name Sluice does not know is refused and audited, even at Bind
        assertThat(audit("n-parse-fails")).anySatisfy(r -> {
            assertThat(r.verdict()).isEqualTo("deny");
            assertThat(r.statement()).isEqualTo("Bind of portal \"\" to statement \"q3\"");
        });
    }

    @Test
    void aDuplicateNameIsRefusedByTheServerItselfAndTheOldStatementStays() throws Exception {
        try (PolicyWireClient client = connect("n-duplicate")) {
            exchange(client, parse("q1", "SELECT 7"), sync());
            List<BackendMessage> answer = exchange(client, parse("q1", "DELETE FROM items WHERE id = 7"), sync());
            assertThat(firstError(answer)).isEqualTo("42P05: prepared statement \"q1\" already exists");
            answer = exchange(client, query("PREPARE q1 AS DELETE FROM items WHERE id = 7"));
            assertThat(firstError(answer)).contains(REJECTED); // judged at definition: held, never sent
            answer = exchange(client, query("PREPARE q1 AS SELECT 8"));
            assertThat(firstError(answer)).isEqualTo("42P05: prepared statement \"q1\" already exists");
            answer = exchange(client, query("EXECUTE q1"));
            assertThat(types(answer)).isEqualTo("TDCZ");
            assertThat(((BackendMessage.DataRow) answer.get(1)).values()[0]).asString().isEqualTo("7");
        }
        assertThat(audit("n-duplicate").getLast().statement()).startsWith("EXECUTE q1\n-- Sluice: ")
                .contains("SELECT 7");
        assertThat(audit("n-duplicate").getLast().details()).containsEntry("command_kind", "SELECT");
    }

    @Test
    void pipelinedParsesWithAnErrorBetweenThemDefineOnlyWhatTheServerDefined() throws Exception {
        try (PolicyWireClient client = connect("n-parse-parse")) {
            List<BackendMessage> answer = exchange(client, parse("a", "SELECT 1"), parse("b", "SELECT * FROM nope"),
                    parse("c", "DELETE FROM items WHERE id = 8"), sync());
            assertThat(types(answer)).isEqualTo("1EZ");
            assertThat(firstError(exchange(client, query("EXECUTE c")))).contains("\"c\" was not prepared");
            assertThat(firstError(exchange(client, query("EXECUTE b")))).contains("\"b\" was not prepared");
            assertThat(types(exchange(client, query("EXECUTE a")))).isEqualTo("TDCZ");
        }
    }

    @Test
    void anExecuteAfterAFailedParseInTheSameBatchIsSkippedAndTheNameStaysUnknown() throws Exception {
        try (PolicyWireClient client = connect("n-skip")) {
            List<BackendMessage> answer = exchange(client, parse("x", "SELECT * FROM nope"),
                    parse("y", "PREPARE z AS SELECT 1"), bind("", "y"), execute(), sync());
            assertThat(types(answer)).isEqualTo("EZ");
            assertThat(firstError(exchange(client, query("EXECUTE z")))).contains("\"z\" was not prepared");
        }
    }

    @Test
    void aPortalBoundToSqlExecuteIsJudgedByWhatTheNameHoldsWhenItRuns() throws Exception {
        String delete = "DELETE FROM items WHERE id = 9";
        try (PolicyWireClient client = connect("n-late-binding")) {
            exchange(client, query("PREPARE q1 AS SELECT 1"));
            assertThat(types(exchange(client, parse("x", "EXECUTE q1"), sync()))).isEqualTo("1Z");
            exchange(client, query("DEALLOCATE q1"));
            exchange(client, parse("q1", delete), sync());
            assertThat(firstError(exchange(client, bind("", "x"), execute(), sync()))).contains(REJECTED);
            // one level only: an EXECUTE of a statement that itself executes a name is refused outright
            assertThat(firstError(exchange(client, query("EXECUTE x"))))
                    .contains("itself names prepared statements or cursors");
        }
        heldAsTheDelete("n-late-binding", "EXECUTE q1", delete);
    }

    @Test
    void discardAllAndCloseAllDropEveryNameForSluiceToo() throws Exception {
        try (PolicyWireClient client = connect("n-discard")) {
            exchange(client, parse("s", "SELECT 1"), sync());
            exchange(client, query("PREPARE t AS SELECT 2"));
            exchange(client, query("DISCARD ALL"));
            assertThat(firstError(exchange(client, bind("", "s"), execute(), sync()))).contains("not prepared");
            assertThat(firstError(exchange(client, query("EXECUTE t")))).contains("not prepared");
            exchange(client, query("DECLARE h CURSOR WITH HOLD FOR SELECT id FROM items"));
            exchange(client, query("BEGIN"));
            exchange(client, parse("", "SELECT 3"), bind("p", ""), sync());
            exchange(client, query("CLOSE ALL"));
            assertThat(firstError(exchange(client, execute("p", 0), sync()))).contains("\"p\" was not bound");
            exchange(client, query("COMMIT"));
            assertThat(firstError(exchange(client, query("FETCH h")))).contains("\"h\" was not bound or declared");
        }
    }

    @Test
    void cursorsFollowTheirTransaction() throws Exception {
        try (PolicyWireClient client = connect("n-cursors")) {
            exchange(client, query("BEGIN; DECLARE c CURSOR FOR SELECT id FROM items ORDER BY id;"
                    + " DECLARE h CURSOR WITH HOLD FOR SELECT id FROM items ORDER BY id; COMMIT"));
            assertThat(firstError(exchange(client, query("FETCH c")))).contains("\"c\" was not bound or declared");
            assertThat(types(exchange(client, query("FETCH 2 FROM h")))).isEqualTo("TDDCZ");
            exchange(client, query("BEGIN; DECLARE r CURSOR WITH HOLD FOR SELECT 1; ROLLBACK"));
            assertThat(firstError(exchange(client, query("FETCH r")))).contains("\"r\" was not bound or declared");
            // a holdable cursor of a simple query that fails is rolled back with it
            exchange(client, query("DECLARE f CURSOR WITH HOLD FOR SELECT 1; SELECT 1/0"));
            assertThat(firstError(exchange(client, query("FETCH f")))).contains("\"f\" was not bound or declared");
            // a protocol portal closes at the end of its implicit transaction (the Sync)
            exchange(client, parse("", "DELETE FROM items WHERE id = 10 RETURNING *"), bind("gone", ""), sync());
            assertThat(firstError(exchange(client, query("FETCH ALL FROM gone")))).contains("was not bound");
            assertThat(types(exchange(client, query("CLOSE h")))).isEqualTo("CZ");
        }
    }

    @Test
    void quotedAndFoldedNamesAreDifferentNamesAsOnTheServer() throws Exception {
        String delete = "DELETE FROM items WHERE id = 1";
        try (PolicyWireClient client = connect("n-case")) {
            exchange(client, query("PREPARE \"Q1\" AS SELECT 'upper'"));
            exchange(client, parse("q1", delete), sync());
            assertThat(firstError(exchange(client, query("EXECUTE Q1")))).contains(REJECTED);
            List<BackendMessage> answer = exchange(client, query("EXECUTE \"Q1\""));
            assertThat(types(answer)).isEqualTo("TDCZ");
            assertThat(types(exchange(client, bind("", "Q1"), execute(), sync()))).isEqualTo("2DCZ");
            assertThat(firstError(exchange(client, bind("", "q1"), execute(), sync()))).contains(REJECTED);
        }
        heldAsTheDelete("n-case", "EXECUTE Q1", delete);
    }

    @Test
    void theUnnamedStatementIsDroppedByASimpleQueryAndReplacedByTheNextParse() throws Exception {
        try (PolicyWireClient client = connect("n-unnamed")) {
            exchange(client, parse("", "SELECT 1"), sync());
            exchange(client, query("SELECT 2"));
            assertThat(firstError(exchange(client, bind("", ""), execute(), sync()))).contains("not prepared");
            // a Parse of the unnamed statement drops the old one before it parses, even when it fails
            exchange(client, parse("", "DELETE FROM items WHERE id = 2"), sync());
            List<BackendMessage> answer = exchange(client, parse("", "SELECT * FROM nope"), sync());
            assertThat(firstError(answer)).startsWith("42P01");
            assertThat(firstError(exchange(client, bind("", ""), execute(), sync()))).contains("not prepared");
            // while that Parse is still unanswered, the old statement is a possible reading: judged as the DELETE
            exchange(client, parse("", "DELETE FROM items WHERE id = 2"), sync());
            client.send(parse("", "SELECT * FROM nope"), sync(), bind("", ""), execute(), sync());
            assertThat(firstError(client.untilReady())).startsWith("42P01");
            assertThat(client.untilReady()).hasAtLeastOneElementOfType(BackendMessage.ErrorResponse.class);
            // Sluice's own refusal replaced the unnamed statement and portal: nothing left to bind
            exchange(client, parse("", "SELECT 1"), bind("", ""), parse("", "DELETE FROM items WHERE id = 2"),
                    bind("", ""), execute(), sync());
            assertThat(firstError(exchange(client, bind("", ""), execute(), sync()))).contains("not prepared");
            assertThat(firstError(exchange(client, describe('S', "never"), sync()))).contains("not known");
        }
        heldAsTheDelete("n-unnamed", "DELETE FROM items WHERE id = 2", "DELETE FROM items WHERE id = 2");
    }

    @Test
    void aPortalRedefinedInTheSameBatchIsJudgedAsTheNewOne() throws Exception {
        String delete = "DELETE FROM items WHERE id = 5 RETURNING *";
        try (PolicyWireClient client = connect("n-batch")) {
            List<BackendMessage> answer = exchange(client, parse("", "SELECT 1"), bind("", ""), parse("", delete),
                    bind("", ""), execute(), sync());
            assertThat(firstError(answer)).contains(REJECTED);
            // a named portal that exists cannot be re-bound: the server refuses, the old (unrun) one stays
            exchange(client, query("BEGIN"));
            exchange(client, parse("d", delete), bind("keep", "d"), sync());
            answer = exchange(client, parse("", "SELECT 1"), bind("keep", ""), sync());
            assertThat(firstError(answer)).startsWith("42P03");
            // judged as the DELETE (held, rejected); the server had failed the transaction already
            assertThat(firstError(exchange(client, execute("keep", 0), sync()))).startsWith("25P02");
            exchange(client, query("ROLLBACK"));
        }
        heldAsTheDelete("n-batch", delete, delete);
        assertThat(audit("n-batch").stream().filter(r -> r.verdict().equals("hold"))).hasSize(2);
    }

    @Test
    void psqlReadingThroughItsOwnCursorWorksAndItsFetchesAreJudgedAsTheQuery() {
        String token = harness.token("n-psql-cursor", "agents");
        Cli.Result result = harness.psql(token, "-At", "-v", "FETCH_COUNT=3", "-c", "SELECT id FROM items ORDER BY id");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout().strip().split("\n")).hasSize(10);
        // psql declared _psql_cursor and fetched from it: the first FETCH ran the query and was judged as it
        assertThat(audit("n-psql-cursor")).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("FETCH FORWARD 3 FROM _psql_cursor\n-- Sluice: FETCH")
                    .contains("SELECT id FROM items ORDER BY id");
            assertThat(r.details()).containsEntry("command_kind", "SELECT");
        });
        Cli.Result denied = harness.psql(token, "-At", "-v", "FETCH_COUNT=3", "-v", "VERBOSITY=verbose", "-c",
                "SELECT wipe_items()");
        assertThat(denied.stderr()).contains("42501").contains("no-dangerous-functions");
    }

    @Test
    void pgjdbcFetchingInChunksContinuesOnePortalWhichIsJudgedAndAuditedOnce() throws Exception {
        try (Connection c = harness.connect("n-jdbc-chunks", List.of("agents"), Map.of("prepareThreshold", "1"))) {
            c.setAutoCommit(false);
            List<Integer> ids = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM items ORDER BY id")) {
                s.setFetchSize(3);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        ids.add(r.getInt(1));
                    }
                }
            }
            assertThat(ids).hasSize(10);
            // a DELETE ... RETURNING read in chunks is held at its first Execute
            try (PreparedStatement s = c.prepareStatement("DELETE FROM items WHERE id = 1 RETURNING *")) {
                s.setFetchSize(2);
                org.assertj.core.api.Assertions.assertThatThrownBy(s::executeQuery)
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage()).contains(REJECTED));
            }
            c.rollback();
            // pgjdbc's named portal and a SQL cursor share one namespace: FETCH of a portal name Sluice never saw
            try (Statement s = c.createStatement()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute("FETCH ALL FROM \"C_9\""))
                        .hasMessageContaining("was not bound or declared through Sluice");
            }
            c.rollback();
        }
        assertThat(audit("n-jdbc-chunks").stream()
                .filter(r -> r.statement().equals("SELECT id FROM items ORDER BY id"))).hasSize(1);
        heldAsTheDelete("n-jdbc-chunks", "DELETE FROM items WHERE id = 1 RETURNING *", "DELETE FROM items");
    }

    @Test
    void aPortalBoundBeforeASavepointSurvivesItsRollbackAndIsStillJudgedAsItsDelete() throws Exception {
        String delete = "DELETE FROM items WHERE id = 6 RETURNING *";
        try (PolicyWireClient client = connect("n-savepoint")) {
            exchange(client, query("BEGIN"));
            exchange(client, parse("", delete), bind("before", ""), sync());
            exchange(client, query("SAVEPOINT s"));
            exchange(client, parse("", delete), bind("after", ""), sync());
            assertThat(types(exchange(client, query("ROLLBACK TO SAVEPOINT s")))).isEqualTo("CZ");
            assertThat(firstError(exchange(client, query("FETCH ALL FROM after"))))
                    .contains("\"after\" was not bound or declared");
            exchange(client, query("ROLLBACK TO SAVEPOINT s"));
            assertThat(firstError(exchange(client, query("FETCH ALL FROM before")))).contains(REJECTED);
            exchange(client, query("ROLLBACK"));
        }
        heldAsTheDelete("n-savepoint", "FETCH ALL FROM before", delete);
    }
}
