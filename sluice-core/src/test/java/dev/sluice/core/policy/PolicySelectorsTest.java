package dev.sluice.core.policy;

import static dev.sluice.core.policy.Fixtures.delegated;
import static dev.sluice.core.policy.Fixtures.human;
import static dev.sluice.core.policy.Fixtures.principal;
import static dev.sluice.core.policy.Fixtures.sql;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.core.identity.Principal;

class PolicySelectorsTest {

    private static Verdict judge(PolicySet set, Principal p, String connection, Map<String, String> labels) {
        return set.evaluate(new PolicyInput(p, connection, labels, PolicyInput.ALLOW, sql("DROP"), Fixtures.NOW, ""))
                .verdict();
    }

    @Test
    void labelSelectorsMatchConnectionsByLabel() {
        PolicySet set = Fixtures.policies("""
                - name: no-drop-in-prod
                  connections: ["label:env=prod", audit]
                  deny: {}
                """);
        Principal p = principal("svc");
        assertThat(judge(set, p, "orders", Map.of("env", "prod"))).isInstanceOf(Verdict.Deny.class);
        assertThat(judge(set, p, "orders", Map.of("env", "dev"))).isInstanceOf(Verdict.Allow.class);
        assertThat(judge(set, p, "orders", Map.of())).isInstanceOf(Verdict.Allow.class);
        assertThat(judge(set, p, "audit", Map.of())).isInstanceOf(Verdict.Deny.class);
    }

    @Test
    void kindSelectsMachinesOrHumans() {
        PolicySet set = Fixtures.policies("""
                - name: machines-no-drop
                  kind: machine
                  deny: {}
                """);
        assertThat(judge(set, principal("svc"), "orders", Map.of())).isInstanceOf(Verdict.Deny.class);
        assertThat(judge(set, human("alice"), "orders", Map.of())).isInstanceOf(Verdict.Allow.class);
    }

    @Test
    void subjectsSelectByExactSubject() {
        PolicySet set = Fixtures.policies("""
                - name: not-bob
                  subjects: [bob]
                  deny: {}
                """);
        assertThat(judge(set, human("bob"), "orders", Map.of())).isInstanceOf(Verdict.Deny.class);
        assertThat(judge(set, human("bobby"), "orders", Map.of())).isInstanceOf(Verdict.Allow.class);
    }

    @Test
    void delegatedByMatchesAnAgentActingForTheListedSubject() {
        PolicySet set = Fixtures.policies("""
                - name: alices-agents-no-drop
                  delegated-by: [alice]
                  deny: {}
                - name: any-agent-label
                  delegated-by: ["*"]
                  mask: {columns: [ssn]}
                """);
        Principal agentForAlice = delegated("alice", "claude");
        assertThat(judge(set, agentForAlice, "orders", Map.of())).isInstanceOf(Verdict.Deny.class);
        assertThat(judge(set, human("alice"), "orders", Map.of())).isInstanceOf(Verdict.Allow.class);
        assertThat(judge(set, delegated("bob", "claude"), "orders", Map.of())).isInstanceOf(Verdict.Allow.class);
        Decision masked = set.evaluate(Fixtures.input(delegated("bob", "claude"), sql("SELECT")));
        assertThat(masked.verdict()).isEqualTo(new Verdict.Allow(""));
        assertThat(masked.matches()).extracting(RuleMatch::action).containsExactly("mask");
    }

    @Test
    void celSeesTheWholeSchema() {
        PolicySet set = Fixtures.policies("""
                - name: everything
                  deny:
                    when: >-
                      identity.subject == 'alice' && 'ops' in identity.groups && identity.kind == 'human'
                      && identity.actor == ['claude'] && identity.issuer == 'https://idp'
                      && connection.name == 'orders' && connection.labels['env'] == 'prod'
                      && command.kind == 'DELETE' && 'public.orders' in command.tables
                      && command.functions.exists(f, f.startsWith('pg_')) && command.has_where
                      && command.text.contains('where') && command.statement_count == 2 && !command.opaque
                      && command.protocol == 'postgres'
                      && request.time > timestamp('2025-01-01T00:00:00Z') && request.time.getHours() == 10
                      && client.address.startsWith('10.')
                """);
        Command delete = new SqlCommand("postgres", "DELETE", "delete from orders where id = pg_backend_pid()",
                java.util.Set.of("public.orders"), java.util.Set.of("pg_backend_pid"), true, false, 2);
        PolicyInput in = new PolicyInput(delegated("alice", "claude", "ops"), "orders", Map.of("env", "prod"),
                PolicyInput.ALLOW, delete, Fixtures.NOW, "10.1.2.3");
        Decision decision = set.evaluate(in);
        assertThat(decision.verdict().rule()).isEqualTo("everything");
        assertThat(decision.matches().getFirst().detail()).isEqualTo("when holds");
        PolicyInput earlier = new PolicyInput(in.principal(), "orders", Map.of("env", "prod"), PolicyInput.ALLOW,
                delete, Instant.parse("2025-06-02T11:15:30Z"), "10.1.2.3");
        assertThat(set.evaluate(earlier).verdict()).isEqualTo(new Verdict.Allow(""));
    }
}
