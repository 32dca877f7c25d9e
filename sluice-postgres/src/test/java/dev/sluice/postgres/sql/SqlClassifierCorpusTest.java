package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sluice.core.policy.SqlCommand;

/**
 * Table-driven check of {@code classifier/corpus.tsv}: hand-written statements and evasion attempts, and statements
 * captured from psql's {@code \d} commands, pgbench and pgjdbc against a real PostgreSQL 15. Columns: sql (with
 * {@code \n} and {@code \t} escapes), kinds, tables, has_where, functions, opaque; kinds, has_where and opaque hold
 * one value per statement joined by ';', tables and functions the sorted union, '-' for none.
 */
class SqlClassifierCorpusTest {

    private static SqlClassifier classifier;

    record Row(int line, String sql, List<String> kinds, Set<String> tables, List<Boolean> where,
               Set<String> functions, List<Boolean> opaque) {
        @Override
        public String toString() {
            return "line " + line + ": " + sql.replace("\n", " ");
        }
    }

    @BeforeAll
    static void load() {
        classifier = SqlClassifier.create();
    }

    static List<Row> rows() throws IOException {
        List<Row> result = new ArrayList<>();
        try (InputStream in = Objects.requireNonNull(
                SqlClassifierCorpusTest.class.getResourceAsStream("/classifier/corpus.tsv"), "corpus.tsv")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank() || lines[i].startsWith("#")) {
                    continue;
                }
                String[] f = lines[i].split("\t", -1);
                assertThat(f).as("line %d has 6 columns", i + 1).hasSize(6);
                result.add(new Row(i + 1, f[0].replace("\\n", "\n").replace("\\t", "\t"), List.of(f[1].split(";")),
                        set(f[2]), booleans(f[3]), set(f[4]), booleans(f[5])));
            }
        }
        return result;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void classifiesCorpusStatementAsExpected(Row row) {
        List<SqlCommand> commands = classifier.classify(row.sql()).commands();

        // a statement's column is its primary kind, then each further kind it performs: UPDATE+INSERT
        assertThat(commands).extracting(SqlCommand::kind).as("kinds")
                .containsExactlyElementsOf(row.kinds().stream().map(k -> k.split("\\+")[0]).toList());
        assertThat(commands).extracting(c -> new TreeSet<>(c.kinds())).as("every kind")
                .containsExactlyElementsOf(row.kinds().stream()
                        .map(k -> new TreeSet<>(Arrays.asList(k.split("\\+")))).toList());
        // policy rules are checked against KINDS: every kind the classifier gives must be in it
        assertThat(SqlClassifier.KINDS).containsAll(commands.stream().flatMap(c -> c.kinds().stream())
                .filter(k -> !k.equals(SqlCommand.UNKNOWN)).toList());
        assertThat(union(commands, SqlCommand::tables)).as("tables").isEqualTo(row.tables());
        assertThat(union(commands, SqlCommand::functions)).as("functions").isEqualTo(row.functions());
        assertThat(commands).extracting(SqlCommand::hasWhere).as("hasWhere").containsExactlyElementsOf(row.where());
        assertThat(commands).extracting(SqlCommand::opaque).as("opaque").containsExactlyElementsOf(row.opaque());
        assertThat(commands).allSatisfy(c -> assertThat(c.statementCount()).isEqualTo(row.kinds().size()));
    }


    private static Set<String> union(List<SqlCommand> commands, java.util.function.Function<SqlCommand, Set<String>> f) {
        return commands.stream().flatMap(c -> f.apply(c).stream()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> set(String column) {
        return column.equals("-") ? Set.of() : new TreeSet<>(Arrays.asList(column.split(",")));
    }

    private static List<Boolean> booleans(String column) {
        return Arrays.stream(column.split(";")).map(Boolean::parseBoolean).toList();
    }
}
