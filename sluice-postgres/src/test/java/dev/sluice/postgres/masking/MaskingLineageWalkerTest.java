package dev.sluice.postgres.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.masking.Strategy;
import dev.sluice.postgres.sql.SqlParseTree;

/**
 * Masking lineage read from real libpg_query parse trees against catalog facts built from rows as the catalog
 * queries return them: which output positions are derived, when Sluice is unsure, and what it refuses.
 */
class MaskingLineageWalkerTest {
    private static final int CUSTOMERS = 16400;
    private static final int V_CARDS = 16410;
    private static final int V_PUBLIC = 16411;
    private static final int STATISTIC = 2619;
    private static final MaskingPlan PLAN = plan(false);
    private static final MaskingPlan STRICT = plan(true);
    private static final MaskingCatalogFacts FACTS = facts(PLAN);

    private static MaskingPlan plan(boolean strict) {
        return MaskingRules.parse(ConfigNode.parse(Path.of("t.yaml"), """
                masking:
                  - name: pii
                    refuse-in-predicates: %s
                    columns:
                      customers.card: partial
                      customers.email: hash
                    detectors: [email, card]
                """.formatted(strict)).at("masking"), MaskingKeys.fixed(new byte[32]), new SecretResolver(Map.of()))
                .plan("c", Set.of());
    }

    private static MaskingCatalogFacts facts(MaskingPlan plan) {
        List<String[]> columns = new ArrayList<>();
        String[] customers = {"id", "name", "email", "card"};
        for (int i = 0; i < customers.length; i++) {
            columns.add(new String[] {"" + CUSTOMERS, "public", "customers", "r", "" + (i + 1), customers[i]});
        }
        columns.add(new String[] {"16401", "public", "stock", "r", "1", "card"});
        columns.add(new String[] {"16402", "public", "notes", "r", "1", "body"});
        columns.add(new String[] {"" + V_CARDS, "public", "v_cards", "v", "1", "rc"});
        columns.add(new String[] {"" + V_PUBLIC, "public", "v_public", "v", "1", "name"});
        columns.add(new String[] {"" + STATISTIC, "pg_catalog", "pg_statistic", "r", "1", "stavalues1"});
        List<String[]> dependencies = List.of(new String[] {"" + V_CARDS, "" + CUSTOMERS, "4"},
                new String[] {"" + V_PUBLIC, "" + CUSTOMERS, "2"});
        return MaskingCatalogFacts.of(columns, dependencies, List.<String[]>of(new String[] {"leak"}), List.of(),
                List.of(), plan);
    }

    private static MaskingLineage lineage(String sql) {
        return lineage(sql, PLAN);
    }

    private static MaskingLineage lineage(String sql, MaskingPlan plan) {
        return MaskingLineageWalker.analyse(SqlParseTree.statements(sql).orElseThrow(), facts(plan), plan);
    }

    @Test
    void computedColumnsFedByAMaskedColumnAreDerivedByPosition() {
        MaskingLineage l = lineage("select id, reverse(card), name, upper(c.email) from customers c");
        assertThat(l.tainted()).isTrue();
        assertThat(l.unsure()).isFalse();
        assertThat(l.positions().stream().boxed().toList()).containsExactly(1, 3);
        assertThat(l.derived(1, 0, false)).isTrue();
        assertThat(l.derived(0, 0, false)).isFalse();
        assertThat(l.derived(1, CUSTOMERS, true)).isFalse(); // a plain table column: its own column rule decides
        assertThat(l.source()).isPresent();
    }

    @Test
    void wholeRowsSubqueriesCtesAndLateralCarryTheTaint() {
        for (String sql : List.of("select row(c.*) from customers c", "select c from customers c",
                "select to_json(customers) from customers", "select x from (select card || '' x from customers) s",
                "select s.x from (select card x from customers) s", "select a from (select email from customers) s(a)",
                "with t as (select card from customers) select reverse(card) from t",
                "with customers as (select card from customers) select upper(card) from customers",
                "select l.x from customers c, lateral (select reverse(c.card) as x) l",
                "select (select card from customers limit 1)", "select array_agg(c) from customers c",
                "select leak()", "select query_to_xml('select card from customers', true, false, '')",
                "select upper(rc) from v_cards")) {
            assertThat(lineage(sql).positions().get(0)).as(sql).isTrue();
        }
    }

    @Test
    void unmaskedValuesStayClear() {
        for (String sql : List.of("select upper(name) from customers", "select count(*) from customers",
                "select upper(card) from stock", "select count(*) from customers where card like '4%'",
                "select row(id, name) from customers", "select upper(name) from v_public", "select 6 * 7")) {
            assertThat(lineage(sql).positions().isEmpty()).as(sql).isTrue();
            assertThat(lineage(sql).unsure()).as(sql).isFalse();
        }
    }

    @Test
    void sluiceIsUnsureOfStarsOverMaskedDataSeveralStatementsAndIndirection() {
        for (String sql : List.of("select *, reverse(card) from customers", "select * from (select upper(email) from"
                + " customers) s", "execute p", "fetch all from c", "show application_name",
                "select reverse(card) from customers; select 1", "select x from not_a_table",
                "select key, value from customers c, jsonb_each_text(to_jsonb(c))",
                "select a from customers, xmltable('/r' passing xmlelement(name r, card) columns a text path '.')")) {
            assertThat(lineage(sql).unsure()).as(sql).isTrue();
        }
        assertThat(lineage("show timezone").tainted()).isFalse();
    }

    @Test
    void viewsOverMaskedColumnsAndTheStatisticsAreDerivedWhole() {
        assertThat(FACTS.derivedTables()).contains(V_CARDS, STATISTIC).doesNotContain(V_PUBLIC, CUSTOMERS);
        assertThat(lineage("select rc from v_cards").derived(0, V_CARDS, true)).isTrue();
        assertThat(lineage("select name from v_public").derived(0, V_PUBLIC, true)).isFalse();
        // a table made or replaced since the facts were loaded: its columns are derived until they are loaded again
        assertThat(lineage("select name from v_public").derived(0, 99999, true)).isTrue();
    }

    @Test
    void sideChannelsAndCopiesIntoUnprotectedColumnsAreRefused() {
        for (String sql : List.of("select set_config('application_name', card, false) from customers",
                "select pg_notify('c', reverse(email)) from customers", "do $$ begin null; end $$",
                "insert into notes (body) select card from customers", "update stock set card = c.card from customers c",
                "create table x as select card from customers", "select card into x from customers",
                "insert into customers (id) values (1) on conflict (id) do update set name = customers.card",
                "alter table customers rename column card to c2", "select leak(card) from customers",
                "prepare p as insert into notes (body) select email from customers",
                "create or replace view v_public as select card as name from customers")) {
            assertThat(lineage(sql).refusal()).as(sql).isPresent();
        }
        for (String sql : List.of("update customers set email = lower(email)", "select set_config('a', 'b', false)",
                "insert into notes (body) select name from customers", "create view v as select reverse(card) from"
                + " customers", "select name from customers where card like '4%'")) {
            assertThat(lineage(sql).refusal()).as(sql).isEmpty();
        }
    }

    @Test
    void refuseInPredicatesRefusesMaskedColumnsInEveryClause() {
        for (String sql : List.of("select name from customers where card like '4%'",
                "select name from customers order by email", "select count(*) from customers group by card",
                "select 1 from customers c join stock s on s.card = c.card",
                "delete from notes where body in (select email from customers)",
                "update notes set body = 'x' where body = (select card from customers limit 1)")) {
            assertThat(lineage(sql, STRICT).refusal()).as(sql).hasValueSatisfying(r -> assertThat(r)
                    .contains("refuse-in-predicates"));
        }
        assertThat(lineage("select name from customers where id = 1", STRICT).refusal()).isEmpty();
    }

    @Test
    void derivedValuesAreNeverPartiallyMasked() {
        MaskingPlan.ColumnMask card = PLAN.column("public", "customers", "card").orElseThrow();
        assertThat(PLAN.derivedMask(java.util.Optional.of(card)).strategy()).isEqualTo(Strategy.redact());
        MaskingPlan.ColumnMask email = PLAN.column("public", "customers", "email").orElseThrow();
        // a hash of a computed value is an equality oracle (substr(email, g, 1) against known letters): redacted
        assertThat(PLAN.derivedMask(java.util.Optional.of(email)).strategy()).isEqualTo(Strategy.redact());
    }
}
