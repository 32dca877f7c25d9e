package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.core.SluiceException;

class PgQueryNativeTest {

    @Test
    void failsClosedWithAClearMessageWhenTheLibraryIsMissing() {
        assertThatThrownBy(() -> PgQueryNative.load(List.of("/nonexistent/libpg_query.so"),
                List.of("libpg_query_does_not_exist.so")))
                .isInstanceOf(SluiceException.class)
                .hasMessageStartingWith("libpg_query not found: install libpg-query-dev");
    }

    @Test
    void returnsTheParseTreeAsJson() {
        PgQueryResult result = PgQueryNative.load().parse("SELECT 1");

        assertThat(result).isInstanceOfSatisfying(PgQueryResult.Tree.class,
                tree -> assertThat(tree.json()).contains("\"SelectStmt\"").contains("\"version\":150001"));
    }

    @Test
    void returnsTheParserErrorWithItsCursor() {
        PgQueryResult result = PgQueryNative.load().parse("SELECT 1 FROM");

        assertThat(result).isInstanceOfSatisfying(PgQueryResult.Failure.class, failure -> {
            assertThat(failure.message()).contains("syntax error");
            assertThat(failure.cursor()).isEqualTo(14);
        });
    }

    @Test
    void parsesWorstCaseInlineSizedInputsWithinAQuarterOfACarrierStack() throws Exception {
        // PgQueryRunner parses inputs up to INLINE_MAX_BYTES on the caller's thread (a carrier has 1 MB of stack);
        // if libpg_query ever needs more than 192 KB for them, this crashes the test JVM instead of the gateway's
        int n = PgQueryRunner.INLINE_MAX_BYTES;
        List<String> worst = List.of(
                "SELECT " + "-+".repeat((n - 8) / 2) + "1",
                "SELECT " + "NOT ".repeat((n - 12) / 4) + "true",
                "SELECT 1" + "+1".repeat((n - 8) / 2),
                "SELECT 1" + "||1".repeat((n - 8) / 3),
                "SELECT " + "f(".repeat((n - 8) / 3) + "1" + ")".repeat((n - 8) / 3),
                "SELECT " + "(SELECT ".repeat((n - 8) / 9) + "1" + ")".repeat((n - 8) / 9));
        PgQueryNative parser = PgQueryNative.load();
        List<PgQueryResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread thread = Thread.ofPlatform().stackSize(192 * 1024).start(() -> worst.forEach(sql -> {
            assertThat(sql.length()).isLessThanOrEqualTo(n);
            results.add(parser.parse(sql));
        }));
        thread.join();

        assertThat(results).hasSize(worst.size()).allMatch(PgQueryResult.Tree.class::isInstance);
    }

    @Test
    void refusesToParseMoreThanTheSizeLimit() {
        PgQueryRunner runner = new PgQueryRunner(PgQueryNative.load());

        PgQueryResult result = runner.parse(new byte[PgQueryRunner.MAX_SQL_BYTES + 1]);

        assertThat(result).isInstanceOfSatisfying(PgQueryResult.Refused.class, refused -> assertThat(refused.message())
                .isEqualTo("statement too large to judge: 4194305 bytes (max 4194304)"));
    }
}
