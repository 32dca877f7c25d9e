package dev.sluice.core.policy;

import static dev.sluice.core.policy.Fixtures.input;
import static dev.sluice.core.policy.Fixtures.principal;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.identity.Principal;

/** Issue 9, class 4: a command with several effects is judged on every one of them. */
class PolicyKindsTest {
    private final Principal agent = principal("claude", "agents");

    private static Command multi(String kind, boolean hasWhere, String... others) {
        return new SqlCommand("postgres", kind, "statement", Set.of("items"), Set.of(), hasWhere, false, 1,
                Set.of(others));
    }

    @Test
    void theKindIsAlwaysOneOfTheKindsAndComesFirst() {
        Command upsert = multi("UPDATE", false, "INSERT");
        assertThat(upsert.kinds()).containsExactly("UPDATE", "INSERT");
        assertThat(upsert.kindsLabel()).isEqualTo("UPDATE+INSERT");
        assertThat(Fixtures.sql("SELECT").kinds()).containsExactly("SELECT");
        assertThat(Fixtures.sql("SELECT").kindsLabel()).isEqualTo("SELECT");
    }

    @Test
    void aDenyRuleMatchesWhenAnyKindIsListed() {
        PolicySet policies = Fixtures.policies("""
                policies:
                  - name: no-locks
                    groups: [agents]
                    deny:
                      kinds: [LOCK]
                """);
        Decision decision = policies.evaluate(input(agent, multi("SELECT", false, "LOCK")));
        assertThat(decision.verdict()).isEqualTo(new Verdict.Deny("no-locks", "rule 'no-locks' denies SELECT"));
        assertThat(decision.matches().getFirst().detail()).isEqualTo("kind LOCK (of SELECT+LOCK)");
        assertThat(policies.evaluate(input(agent, Fixtures.sql("SELECT"))).verdict())
                .isInstanceOf(Verdict.Allow.class);
    }

    @Test
    void anAllowRuleMatchesOnlyWhenEveryKindIsListed() {
        PolicySet policies = Fixtures.policies("""
                policies:
                  - name: inserts-only
                    groups: [agents]
                    allow:
                      kinds: [INSERT, SELECT]
                """);
        PolicyInput upsert = input(agent, "orders", PolicyInput.DENY, multi("UPDATE", true, "INSERT"));
        assertThat(policies.evaluate(upsert).verdict()).isInstanceOf(Verdict.Deny.class);
        PolicyInput insert = input(agent, "orders", PolicyInput.DENY, multi("INSERT", false, "SELECT"));
        assertThat(policies.evaluate(insert).verdict()).isEqualTo(new Verdict.Allow("inserts-only"));
    }

    @Test
    void celSeesEveryKindAndTheStrongestAsKind() {
        PolicySet policies = Fixtures.policies("""
                policies:
                  - name: no-upsert-updates
                    groups: [agents]
                    deny:
                      when: "'INSERT' in command.kinds && command.kind == 'UPDATE'"
                  - name: writes-need-a-where
                    groups: [agents]
                    deny:
                      when: "command.kind in ['DELETE', 'UPDATE'] && !command.has_where"
                """);
        Decision decision = policies.evaluate(input(agent, multi("UPDATE", false, "INSERT")));
        assertThat(decision.verdict().rule()).isEqualTo("no-upsert-updates");
        assertThat(decision.matches()).extracting(RuleMatch::rule)
                .containsExactly("no-upsert-updates", "writes-need-a-where");
        assertThat(CelSupport.activation(input(agent, multi("UPDATE", false, "INSERT"))).get("command"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("kinds", List.of("INSERT", "UPDATE"));
    }

    @Test
    void aDenyOnThePrimaryKindIsReportedBeforeOneOnASecondaryKind() {
        PolicySet policies = Fixtures.policies("""
                policies:
                  - name: agents-never-destroy
                    groups: [agents]
                    deny:
                      kinds: [DROP, TRUNCATE, ALTER]
                  - name: no-privilege-changes
                    groups: [agents]
                    deny:
                      kinds: [GRANT, REVOKE]
                """);
        Decision grant = policies.evaluate(input(agent, multi("GRANT", false, "ALTER")));
        assertThat(grant.verdict().rule()).isEqualTo("no-privilege-changes");
        assertThat(grant.matches()).extracting(RuleMatch::rule)
                .containsExactly("agents-never-destroy", "no-privilege-changes");
        assertThat(policies.evaluate(input(agent, multi("ALTER", false))).verdict().rule())
                .isEqualTo("agents-never-destroy");
    }
}
