package dev.sluice.core.policy;

import static dev.sluice.core.policy.Fixtures.input;
import static dev.sluice.core.policy.Fixtures.principal;
import static dev.sluice.core.policy.Fixtures.sql;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.identity.Principal;

class PolicyExampleTest {
    private final PolicySet policies = Fixtures.policies(Fixtures.EXAMPLE);
    private final Principal agent = principal("claude", "agents");
    private final Principal sre = principal("bob", "sre");
    private final Principal other = principal("carol", "analysts");

    @Test
    void parsesTheDocumentedExampleIntoTypedRules() {
        assertThat(policies.rules()).extracting(Rule::name)
                .containsExactly("agents-never-destroy", "writes-need-a-where", "deletes-need-a-human");
        Rule hold = policies.rule("deletes-need-a-human").orElseThrow();
        assertThat(hold.line()).isEqualTo(12);
        assertThat(hold.action()).isEqualTo(new Action.RequireApproval(Set.of("sre"), 1,
                java.time.Duration.ofMinutes(5), Action.Scope.ONCE));
        assertThat(hold.selectors().groups()).containsExactly("agents");
        assertThat(policies.rule("writes-need-a-where").orElseThrow().condition().when()).isPresent();
    }

    @Test
    void deniesDropAndTruncateToAgents() {
        for (String kind : List.of("DROP", "TRUNCATE", "ALTER")) {
            Decision decision = policies.evaluate(input(agent, sql(kind)));
            assertThat(decision.verdict()).isInstanceOf(Verdict.Deny.class);
            assertThat(decision.verdict().rule()).isEqualTo("agents-never-destroy");
        }
    }

    @Test
    void deniesDeleteWithoutWhereAndMentionsTheHoldThatAlsoMatched() {
        Decision decision = policies.evaluate(input(agent, sql("DELETE", "delete from orders", Set.of("orders"), false)));
        assertThat(decision.verdict()).isEqualTo(new Verdict.Deny("writes-need-a-where",
                "rule 'writes-need-a-where' denies DELETE"));
        assertThat(decision.matches()).extracting(RuleMatch::rule, RuleMatch::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple("writes-need-a-where", "deny"),
                org.assertj.core.groups.Tuple.tuple("deletes-need-a-human", "require-approval"));
    }

    @Test
    void holdsDeleteWithWhereForSre() {
        Decision decision = policies.evaluate(input(agent, sql("DELETE", "delete from orders where id=1",
                Set.of("orders"), true)));
        assertThat(decision.verdict()).isEqualTo(new Verdict.Hold("deletes-need-a-human",
                "rule 'deletes-need-a-human' requires approval for DELETE", Set.of("sre")));
        assertThat(policies.approvalTerms(decision)).map(Action.RequireApproval::approvers).contains(Set.of("sre"));
    }

    @Test
    void deniesUpdateWithoutWhereAndAllowsUpdateWithWhere() {
        assertThat(policies.evaluate(input(agent, sql("UPDATE", "update orders set x=1", Set.of("orders"), false)))
                .verdict()).isInstanceOf(Verdict.Deny.class);
        assertThat(policies.evaluate(input(agent, sql("UPDATE", "update orders set x=1 where id=2",
                Set.of("orders"), true))).verdict()).isEqualTo(new Verdict.Allow(""));
    }

    @Test
    void allowsSelectToAgentsThroughTheConnectionDefault() {
        Decision decision = policies.evaluate(input(agent, sql("SELECT")));
        assertThat(decision.verdict()).isEqualTo(new Verdict.Allow(""));
        assertThat(decision.matches()).isEmpty();
    }

    @Test
    void appliesNothingToSreOrOthers() {
        for (Principal p : List.of(sre, other)) {
            for (String kind : List.of("DROP", "TRUNCATE", "DELETE", "UPDATE", "SELECT")) {
                assertThat(policies.evaluate(input(p, sql(kind))).verdict()).isEqualTo(new Verdict.Allow(""));
            }
        }
    }

    @Test
    void appliesNothingToAgentsOnAnotherConnection() {
        assertThat(policies.evaluate(input(agent, "billing", PolicyInput.ALLOW, sql("DROP"))).verdict())
                .isEqualTo(new Verdict.Allow(""));
    }

    @Test
    void deniesUnmatchedCommandsOnADenyByDefaultConnection() {
        Decision decision = policies.evaluate(input(other, "orders", PolicyInput.DENY, sql("SELECT")));
        assertThat(decision.verdict()).isEqualTo(new Verdict.Deny("",
                "no rule allows SELECT and connection 'orders' denies by default"));
    }

    @Test
    void anAllowRuleOpensADenyByDefaultConnection() {
        PolicySet set = Fixtures.policies("""
                - name: readers
                  groups: [analysts]
                  allow:
                    kinds: [SELECT]
                """);
        assertThat(set.evaluate(input(other, "orders", PolicyInput.DENY, sql("SELECT"))).verdict())
                .isEqualTo(new Verdict.Allow("readers"));
        assertThat(set.evaluate(input(other, "orders", PolicyInput.DENY, sql("DELETE"))).verdict())
                .isInstanceOf(Verdict.Deny.class);
    }

    @Test
    void multiStatementStringTakesTheStrictestVerdict() {
        PolicyInput base = input(agent, sql("SELECT"));
        Decision held = policies.evaluateAll(base, List.of(sql("SELECT"),
                sql("DELETE", "delete from orders where id=1", Set.of("orders"), true)));
        assertThat(held.verdict()).isInstanceOf(Verdict.Hold.class);

        Decision denied = policies.evaluateAll(base, List.of(sql("SELECT"),
                sql("DELETE", "delete from orders where id=1", Set.of("orders"), true), sql("DROP")));
        assertThat(denied.verdict().rule()).isEqualTo("agents-never-destroy");
        assertThat(denied.matches()).extracting(RuleMatch::detail)
                .anyMatch(d -> d.startsWith("statement 2: "))
                .anyMatch(d -> d.startsWith("statement 3: "));

        assertThat(policies.evaluateAll(base, List.of(sql("SELECT"), sql("SELECT"))).verdict())
                .isEqualTo(new Verdict.Allow(""));
    }
}
