package dev.sluice.core.policy;

import static dev.sluice.core.policy.Fixtures.input;
import static dev.sluice.core.policy.Fixtures.opaque;
import static dev.sluice.core.policy.Fixtures.principal;
import static dev.sluice.core.policy.Fixtures.sql;
import static dev.sluice.core.policy.Fixtures.unknown;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.identity.Principal;

class PolicyFailClosedTest {
    private final Principal agent = principal("claude", "agents");

    @Test
    void refusesAnUnclassifiedStatementWhenADenyRuleCouldApply() {
        PolicySet set = Fixtures.policies(Fixtures.EXAMPLE);
        Decision decision = set.evaluate(input(agent, unknown()));
        assertThat(decision.verdict()).isEqualTo(new Verdict.Deny("agents-never-destroy",
                "statement could not be classified; refused because rule 'agents-never-destroy' could apply"));
    }

    @Test
    void refusesOpaqueCodeWhenAHoldRuleCouldApply() {
        PolicySet set = Fixtures.policies("""
                - name: deletes-need-a-human
                  groups: [agents]
                  require-approval:
                    kinds: [DELETE]
                    approvers: [sre]
                """);
        Verdict verdict = set.evaluate(input(agent, opaque())).verdict();
        assertThat(verdict).isInstanceOf(Verdict.Deny.class);
        assertThat(((Verdict.Deny) verdict).reason()).startsWith("statement runs opaque code (DO)")
                .endsWith("refused because rule 'deletes-need-a-human' could apply");
    }

    @Test
    void allowsUnclassifiedAndOpaqueStatementsWhenNoRestrictiveRuleApplies() {
        PolicySet set = Fixtures.policies(Fixtures.EXAMPLE);
        Principal analyst = principal("carol", "analysts");
        assertThat(set.evaluate(input(analyst, unknown())).verdict()).isEqualTo(new Verdict.Allow(""));
        assertThat(set.evaluate(input(analyst, opaque())).verdict()).isEqualTo(new Verdict.Allow(""));
    }

    @Test
    void anExplicitAllowOfUnknownOrOpaqueOverridesTheImplicitRefusal() {
        PolicySet set = Fixtures.policies(Fixtures.EXAMPLE + """
                  - name: agents-may-run-anything-odd
                    groups: [agents]
                    allow:
                      kinds: [UNKNOWN, OPAQUE]
                """);
        assertThat(set.evaluate(input(agent, unknown())).verdict())
                .isEqualTo(new Verdict.Allow("agents-may-run-anything-odd"));
        assertThat(set.evaluate(input(agent, opaque())).verdict())
                .isEqualTo(new Verdict.Allow("agents-may-run-anything-odd"));
    }

    @Test
    void anAllowOfTheExactOpaqueKindAlsoCounts() {
        PolicySet set = Fixtures.policies(Fixtures.EXAMPLE + """
                  - name: do-blocks-ok
                    groups: [agents]
                    allow:
                      kinds: [DO]
                """);
        assertThat(set.evaluate(input(agent, opaque())).verdict()).isEqualTo(new Verdict.Allow("do-blocks-ok"));
        assertThat(set.evaluate(input(agent, unknown())).verdict()).isInstanceOf(Verdict.Deny.class);
    }

    @Test
    void anAllowEverythingRuleDoesNotOverrideTheImplicitRefusal() {
        PolicySet set = Fixtures.policies(Fixtures.EXAMPLE + """
                  - name: agents-do-anything
                    groups: [agents]
                    allow: {}
                """);
        assertThat(set.evaluate(input(agent, unknown())).verdict().rule()).isEqualTo("agents-never-destroy");
        assertThat(set.evaluate(input(agent, sql("SELECT"))).verdict())
                .isEqualTo(new Verdict.Allow("agents-do-anything"));
    }

    @Test
    void anExplicitDenyOfUnknownBeatsAnExplicitAllow() {
        PolicySet set = Fixtures.policies("""
                - name: allow-odd
                  groups: [agents]
                  allow:
                    kinds: [UNKNOWN]
                - name: no-unknown
                  groups: [agents]
                  deny:
                    kinds: [UNKNOWN]
                """);
        assertThat(set.evaluate(input(agent, unknown())).verdict().rule()).isEqualTo("no-unknown");
    }

    @Test
    void denyWinsOverAllowRegardlessOfOrder() {
        PolicySet set = Fixtures.policies("""
                - name: allow-all
                  allow: {}
                - name: hold-deletes
                  require-approval:
                    kinds: [DELETE]
                    approvers: [sre]
                - name: deny-deletes-of-audit
                  deny:
                    tables: ["*audit*"]
                """);
        assertThat(set.evaluate(input(agent, sql("DELETE", "d", Set.of("ops.audit_log"), true))).verdict().rule())
                .isEqualTo("deny-deletes-of-audit");
        assertThat(set.evaluate(input(agent, sql("DELETE", "d", Set.of("orders"), true))).verdict().rule())
                .isEqualTo("hold-deletes");
        assertThat(set.evaluate(input(agent, sql("SELECT"))).verdict().rule()).isEqualTo("allow-all");
    }

    @Test
    void aConditionThatFailsToEvaluateCountsAsMatchedForDeny() {
        PolicySet set = Fixtures.policies("""
                - name: prod-only
                  deny:
                    when: "connection.labels['env'] == 'prod'"
                """);
        Decision decision = set.evaluate(input(agent, sql("SELECT")));
        assertThat(decision.verdict().rule()).isEqualTo("prod-only");
        assertThat(decision.matches().getFirst().detail()).contains("failed to evaluate").contains("fail closed");
    }

    @Test
    void aConditionThatFailsToEvaluateCountsAsNotMatchedForAllow() {
        PolicySet set = Fixtures.policies("""
                - name: divide
                  allow:
                    when: "10 / (command.statement_count - 1) > 0"
                """);
        assertThat(set.evaluate(input(agent, "orders", PolicyInput.DENY, sql("SELECT"))).verdict())
                .isInstanceOf(Verdict.Deny.class).extracting(Verdict::rule).isEqualTo("");
    }

    @Test
    void anUnqualifiedTableMatchesAQualifiedDenyGlobButNotAQualifiedAllowGlob() {
        PolicySet set = Fixtures.policies("""
                - name: read-public
                  allow:
                    kinds: [SELECT]
                    tables: ["public.*"]
                - name: no-public-deletes
                  deny:
                    kinds: [DELETE]
                    tables: ["public.*"]
                """);
        assertThat(set.evaluate(input(agent, sql("DELETE", "d", Set.of("orders"), true))).verdict().rule())
                .isEqualTo("no-public-deletes");
        PolicyInput select = input(agent, "orders", PolicyInput.DENY, sql("SELECT", "s", Set.of("orders"), false));
        assertThat(set.evaluate(select).verdict().rule()).isEmpty();
        assertThat(set.evaluate(select.withCommand(sql("SELECT", "s", Set.of("public.orders"), false))).verdict()
                .rule()).isEqualTo("read-public");
    }

    @Test
    void anAllowOnTablesCoversACommandOnlyIfEveryTableMatches() {
        PolicySet set = Fixtures.policies("""
                - name: read-reports
                  allow:
                    tables: ["public.report_*"]
                """);
        PolicyInput both = input(agent, "orders", PolicyInput.DENY,
                sql("SELECT", "s", Set.of("public.report_a", "public.secrets"), false));
        assertThat(set.evaluate(both).verdict()).isInstanceOf(Verdict.Deny.class);
        assertThat(set.evaluate(both.withCommand(sql("SELECT", "s", Set.of("public.report_a"), false))).verdict())
                .isEqualTo(new Verdict.Allow("read-reports"));
    }

    @Test
    void dangerousStandsForTheConfiguredFunctionSet() {
        PolicySet set = PolicySet.parse(java.util.List.of(YamlRuleSource.policies(java.nio.file.Path.of("p.yaml"), """
                - name: no-dangerous
                  deny:
                    functions: [dangerous, "dblink*"]
                """)), Set.of("PG_READ_FILE"));
        Command readFile = new SqlCommand("postgres", "SELECT", "select pg_read_file('x')", Set.of(),
                Set.of("pg_read_file"), false, false, 1);
        Command dblink = new SqlCommand("postgres", "SELECT", "select dblink_exec('x')", Set.of(),
                Set.of("dblink_exec"), false, false, 1);
        Command now = new SqlCommand("postgres", "SELECT", "select now()", Set.of(), Set.of("now"), false, false, 1);
        assertThat(set.evaluate(input(agent, readFile)).verdict().rule()).isEqualTo("no-dangerous");
        assertThat(set.evaluate(input(agent, dblink)).verdict().rule()).isEqualTo("no-dangerous");
        assertThat(set.evaluate(input(agent, now)).verdict().rule()).isEmpty();
    }
}
