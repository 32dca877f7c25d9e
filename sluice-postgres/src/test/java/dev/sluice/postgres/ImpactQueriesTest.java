package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImpactQueriesTest {

    private static String count(String sql) {
        return ImpactQueries.of(sql).map(ImpactQueries.Count::query).orElse("none");
    }

    @Test
    void aDeleteBecomesACountOfItsWhereClauseWithOperatorsPinnedToPgCatalog() {
        assertThat(count("DELETE FROM items WHERE id = 1")).isEqualTo(
                "SELECT count(*) FROM \"items\" WHERE (\"id\" OPERATOR(pg_catalog.=) 1)");
        assertThat(count("delete from public.items where name like 'a%' and (id > 3 or id is null)")).isEqualTo(
                "SELECT count(*) FROM \"public\".\"items\" WHERE ((\"name\" OPERATOR(pg_catalog.~~) E'a%') AND "
                        + "((\"id\" OPERATOR(pg_catalog.>) 3) OR (\"id\") IS NULL))");
        assertThat(count("UPDATE items SET name = 'x' WHERE id IN (1, 2) AND id BETWEEN 1 AND 9")).isEqualTo(
                "SELECT count(*) FROM \"items\" WHERE ((\"id\" IN (1, 2)) AND (\"id\" OPERATOR(pg_catalog.>=) 1 "
                        + "AND \"id\" OPERATOR(pg_catalog.<=) 9))");
        assertThat(count("DELETE FROM items")).isEqualTo("SELECT count(*) FROM \"items\"");
    }

    @Test
    void literalsAndIdentifiersAreRequotedSoTheyCannotBreakOut() {
        assertThat(count("DELETE FROM \"it\"\"ems\" WHERE name = 'a''b\\'")).isEqualTo(
                "SELECT count(*) FROM \"it\"\"ems\" WHERE (\"name\" OPERATOR(pg_catalog.=) E'a''b\\\\')");
    }

    @Test
    void anythingThatCouldRunCodeOrIsNotOneSimpleStatementHasNoPreview() {
        for (String sql : new String[] {
            "DELETE FROM items WHERE id = f()",
            "DELETE FROM items WHERE id = (SELECT 1)",
            "DELETE FROM items WHERE id = $1",
            "DELETE FROM items WHERE id OPERATOR(public.=) 1",
            "DELETE FROM items WHERE id::text = '1'",
            "DELETE FROM items WHERE id ~ '1'",
            "DELETE FROM items USING other WHERE items.id = other.id",
            "WITH x AS (SELECT 1) DELETE FROM items WHERE id = 1",
            "UPDATE items SET name = 'x' FROM other WHERE items.id = other.id",
            "DELETE FROM items WHERE id = 1; DELETE FROM items",
            "SELECT 1",
            "DELETE FROM",
        }) {
            assertThat(ImpactQueries.of(sql)).as(sql).isEmpty();
        }
    }
}
