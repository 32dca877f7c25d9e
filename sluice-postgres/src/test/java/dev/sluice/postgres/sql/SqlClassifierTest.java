package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.core.config.LimitsConfig;
import dev.sluice.core.policy.SqlCommand;

class SqlClassifierTest {

    private static SqlClassifier classifier;

    @BeforeAll
    static void load() {
        classifier = SqlClassifier.create();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", ";", ";;\n;", "-- only a comment", "/* only a comment */"})
    void classifiesStringWithoutStatementsAsNoCommands(String sql) {
        Classification result = classifier.classify(sql);

        assertThat(result.commands()).isEmpty();
        assertThat(result.prepared()).isEmpty();
    }

    @Test
    void givesEachStatementItsOwnTextAndTheTotalCount() {
        String sql = "SELECT 'ü' FROM t;\n  DELETE FROM \"Tàble\" WHERE id = 'é' ; /* c */ SELECT 2";

        List<SqlCommand> commands = classifier.classify(sql).commands();

        assertThat(commands).extracting(SqlCommand::text).containsExactly(
                "SELECT 'ü' FROM t", "DELETE FROM \"Tàble\" WHERE id = 'é'", "/* c */ SELECT 2");
        assertThat(commands).extracting(SqlCommand::kind).containsExactly("SELECT", "DELETE", "SELECT");
        assertThat(commands.get(1).tables()).containsExactly("Tàble");
        assertThat(commands).allSatisfy(c -> {
            assertThat(c.statementCount()).isEqualTo(3);
            assertThat(c.protocol()).isEqualTo("postgres");
        });
    }

    @Test
    void classifiesRejectedStringAsOneUnknownCommandHoldingTheWholeText() {
        String sql = "SELECT 1; DROP TABEL x; SELECT 2";

        List<SqlCommand> commands = classifier.classify(sql).commands();

        assertThat(commands).singleElement().satisfies(c -> {
            assertThat(c.unknown()).isTrue();
            assertThat(c.text()).isEqualTo(sql);
            assertThat(c.statementCount()).isEqualTo(1);
            assertThat(c.tables()).isEmpty();
            assertThat(c.hasWhere()).isFalse();
        });
        assertThat(classifier.classify(sql).hasUnknown()).isTrue();
    }

    @Test
    void classifiesStringWithNulAsUnknownBecauseTheParserWouldSeeOnlyItsStart() {
        List<SqlCommand> commands = classifier.classify("SELECT 1\0; DROP TABLE x").commands();

        assertThat(commands).singleElement().extracting(SqlCommand::kind).isEqualTo(SqlCommand.UNKNOWN);
    }

    @Test
    void classifiesOversizedStringAsUnknown() {
        String sql = "SELECT '" + "x".repeat(PgQueryRunner.MAX_SQL_BYTES) + "'";

        assertThat(classifier.classify(sql).commands()).singleElement()
                .extracting(SqlCommand::kind).isEqualTo(SqlCommand.UNKNOWN);
    }

    @Test
    void survivesDeeplyNestedExpressionsThatOverflowASmallNativeStack() {
        // each of these overflows a 1 MB native stack inside libpg_query and would kill the JVM with SIGSEGV
        String leftDeep = "SELECT 1" + "+1".repeat(100_000);
        String rightDeep = "SELECT " + "NOT ".repeat(9_900) + "true";
        String beyondPool = "SELECT 1" + "+1".repeat(PgQueryRunner.POOLED_MAX_BYTES / 2 + 1000);

        // with the widest limits they are parsed; the default limits refuse them before any tree is built
        SqlClassifier widest = SqlClassifier.create(0, PgQueryRunner.WIDEST);
        assertThat(List.of(leftDeep, rightDeep, beyondPool)).allSatisfy(sql ->
                assertThat(widest.classify(sql).commands()).singleElement()
                        .extracting(SqlCommand::kind).isEqualTo("SELECT"));
        assertThat(List.of(leftDeep, rightDeep, beyondPool)).allSatisfy(sql ->
                assertThat(classifier.classify(sql).refusal()).get(InstanceOfAssertFactories.STRING)
                        .startsWith("statement too complex to judge: "));
    }

    @Test
    void refusesAStatementOverTheLimitsWithFiguresAndKeepsOnlyTheHeadOfItsText() {
        String attack = "select 1" + "+1".repeat(499_999); // the 1 MB statement of issue 9
        Classification deep = classifier.classify(attack);
        assertThat(deep.refusal()).contains("statement too complex to judge: 1000000 tokens (max 100000)");
        assertThat(deep.commands()).singleElement().satisfies(c -> {
            assertThat(c.unknown()).isTrue();
            assertThat(c.text()).hasSize(SqlClassifier.REFUSED_TEXT_CHARS + 3).startsWith("select 1+1+");
        });

        SqlClassifier tight = SqlClassifier.create(0, new LimitsConfig(2048, 100, 10));
        assertThat(tight.classify("select '" + "x".repeat(3000) + "'").refusal())
                .contains("statement too large to judge: 3009 bytes (max 2048)");
        assertThat(tight.classify("select '" + "é".repeat(1500) + "'").refusal())
                .contains("statement too large to judge: 3009 bytes (max 2048)");
        assertThat(tight.classify("select '" + "€".repeat(1000) + "'").refusal())
                .contains("statement too large to judge: 3009 bytes (max 2048)");
        assertThat(tight.classify("select " + "1,".repeat(600) + "1").refusal())
                .contains("statement too complex to judge: 1202 tokens (max 100)");
        assertThat(tight.classify("select " + "(".repeat(20) + "1" + ")".repeat(20) + " /* " + "c".repeat(1100)
                + " */").refusal()).contains("statement too complex to judge: nesting depth 22 (max 10)");
        assertThat(tight.classify("select " + "- ".repeat(30) + "1 -- " + "c".repeat(1100)).refusal())
                .contains("statement too complex to judge: nesting depth 32 (max 10)");
        // wide is not deep: lists, AND chains and CASE arms stay shallow
        SqlClassifier shallow = SqlClassifier.create(0, new LimitsConfig(1024 * 1024, 1_000_000, 10));
        assertThat(shallow.classify("select " + "a = 1 and ".repeat(300) + "true").refusal()).isEmpty();
        assertThat(shallow.classify("select case " + "when a = 1 then 2 ".repeat(300) + "end").refusal()).isEmpty();
        assertThat(shallow.classify("insert into t values " + "(1, 'x'), ".repeat(300) + "(2, 'y')").refusal())
                .isEmpty();
    }

    @Test
    void classifiesLargeMultiRowInsertOnADedicatedThread() {
        StringBuilder sql = new StringBuilder("INSERT INTO big (a, b) VALUES (0, 'x')");
        while (sql.length() <= PgQueryRunner.POOLED_MAX_BYTES + 10_000) {
            sql.append(", (1, 'some text'), (2, lower('ABC'))");
        }

        // about 140,000 tokens: over the default limit, so classified here with the widest limits
        SqlCommand command = SqlClassifier.create(0, PgQueryRunner.WIDEST).classify(sql.toString()).commands().getFirst();

        assertThat(classifier.classify(sql.toString()).refusal()).get(InstanceOfAssertFactories.STRING)
                .startsWith("statement too complex to judge: ");
        assertThat(command.kind()).isEqualTo("INSERT");
        assertThat(command.tables()).containsExactly("big");
        assertThat(command.functions()).containsExactly("lower");
    }

    @Test
    void reportsPreparedStatementsPreparedExecutedAndDeallocated() {
        String sql = "PREPARE p(int) AS DELETE FROM t WHERE id = $1; EXECUTE p(1); EXPLAIN ANALYZE EXECUTE q;"
                + " CREATE TABLE x AS EXECUTE r; DEALLOCATE p; DEALLOCATE ALL";

        Classification result = classifier.classify(sql);

        assertThat(result.commands()).extracting(SqlCommand::kind)
                .containsExactly("DELETE", "EXECUTE", "EXECUTE", "CREATE", "DEALLOCATE", "DEALLOCATE");
        assertThat(result.commands().getFirst().hasWhere()).isTrue();
        assertThat(result.prepared()).containsExactly(
                new PreparedRef(PreparedRef.Action.PREPARE, "p", 0),
                new PreparedRef(PreparedRef.Action.EXECUTE, "p", 1),
                new PreparedRef(PreparedRef.Action.EXECUTE, "q", 2),
                new PreparedRef(PreparedRef.Action.EXECUTE, "r", 3),
                new PreparedRef(PreparedRef.Action.DEALLOCATE, "p", 4),
                new PreparedRef(PreparedRef.Action.DEALLOCATE, "", 5));
    }

    @Test
    void keepsPreparedStatementNamesAsTheParserResolvedThem() {
        Classification result = classifier.classify("PREPARE \"MixedCase\" AS SELECT 1; EXECUTE MixedCase");

        assertThat(result.prepared()).extracting(PreparedRef::name).containsExactly("MixedCase", "mixedcase");
    }

    @Test
    void marksOnlyCodeRunningStatementsOpaque() {
        List<SqlCommand> commands = classifier.classify(
                "DO $$ BEGIN END $$; CALL p(); SELECT pg_sleep(1); CREATE TRIGGER t BEFORE INSERT ON x"
                        + " FOR EACH ROW EXECUTE FUNCTION f()").commands();

        assertThat(commands).extracting(SqlCommand::opaque).containsExactly(true, true, false, true);
    }
}
