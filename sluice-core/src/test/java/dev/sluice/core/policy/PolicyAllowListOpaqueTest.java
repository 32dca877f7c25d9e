package dev.sluice.core.policy;

import static dev.sluice.core.policy.Fixtures.input;
import static dev.sluice.core.policy.Fixtures.opaque;
import static dev.sluice.core.policy.Fixtures.principal;
import static dev.sluice.core.policy.Fixtures.sql;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.identity.Principal;

/**
 * On a connection that denies by default, the default is the restriction an opaque command could be about: an allow
 * rule that does not list the command's kind (only globs over what Sluice can see) does not allow one, and an opaque
 * SSH exec line (kinds {@code EXEC} and {@code OPAQUE}) is allowed only by a rule that lists {@code OPAQUE}.
 */
class PolicyAllowListOpaqueTest {
    private final Principal agent = principal("claude", "agents");

    private static Command exec(String line, boolean opaque, String... programs) {
        return new ExecCommand("ssh", "EXEC", line, List.of(programs), opaque,
                opaque ? Set.of("EXEC", Condition.OPAQUE) : Set.of("EXEC"));
    }

    private static Verdict onAllowList(PolicySet set, Principal who, Command command) {
        return set.evaluate(input(who, "web", PolicyInput.DENY, command)).verdict();
    }

    @Test
    void anAllowRuleWithoutKindsDoesNotAllowOpaqueCodeOnADenyByDefaultConnection() {
        PolicySet set = Fixtures.policies("""
                - name: agents-may-echo
                  groups: [agents]
                  allow:
                    commands: [echo, "echo *"]
                """);
        assertThat(onAllowList(set, agent, exec("echo hello", false, "echo")))
                .isEqualTo(new Verdict.Allow("agents-may-echo"));
        Verdict hidden = onAllowList(set, agent, exec("echo \"$(touch x)\"", true, "echo"));
        assertThat(hidden).isInstanceOf(Verdict.Deny.class);
        assertThat(((Verdict.Deny) hidden).reason()).startsWith("statement runs opaque code (EXEC)")
                .endsWith("rule 'agents-may-echo' does not list its kind and connection 'web' denies by default");
        // the same rule on a connection that allows by default changes nothing there
        assertThat(set.evaluate(input(agent, "web", PolicyInput.ALLOW, exec("echo `id`", true, "echo"))).verdict())
                .isEqualTo(new Verdict.Allow("agents-may-echo"));
    }

    @Test
    void listingExecAllowsWhatTheGlobsSeeAndListingOpaqueAllowsTheRest() {
        PolicySet set = Fixtures.policies("""
                - name: agents-may-echo
                  groups: [agents]
                  allow:
                    kinds: [EXEC]
                    commands: [echo, "echo *"]
                - name: sre-may-run-shell-code
                  groups: [sre]
                  allow:
                    kinds: [EXEC, OPAQUE]
                    commands: [echo, "echo *"]
                """);
        assertThat(onAllowList(set, agent, exec("echo hello", false, "echo")))
                .isEqualTo(new Verdict.Allow("agents-may-echo"));
        Verdict hidden = onAllowList(set, agent, exec("echo `touch x`", true, "echo"));
        assertThat(hidden).isInstanceOf(Verdict.Deny.class);
        assertThat(((Verdict.Deny) hidden).reason()).isEqualTo("no rule allows opaque EXEC and connection 'web' "
                + "denies by default");
        assertThat(onAllowList(set, principal("ops", "sre"), exec("echo `date`", true, "echo")))
                .isEqualTo(new Verdict.Allow("sre-may-run-shell-code"));
    }

    @Test
    void anAllowRuleThatListsTheKindStillAllowsOpaqueSqlAndPlainStatementsAreUnchanged() {
        PolicySet set = Fixtures.policies("""
                - name: agents-may-do
                  groups: [agents]
                  allow:
                    kinds: [DO, SELECT]
                - name: dba-may-do-anything
                  groups: [dba]
                  allow: {}
                """);
        assertThat(onAllowList(set, agent, opaque())).isEqualTo(new Verdict.Allow("agents-may-do"));
        assertThat(onAllowList(set, agent, sql("SELECT"))).isEqualTo(new Verdict.Allow("agents-may-do"));
        Principal dba = principal("dan", "dba");
        assertThat(onAllowList(set, dba, sql("DELETE"))).isEqualTo(new Verdict.Allow("dba-may-do-anything"));
        assertThat(onAllowList(set, dba, opaque())).isInstanceOf(Verdict.Deny.class);
    }
}
