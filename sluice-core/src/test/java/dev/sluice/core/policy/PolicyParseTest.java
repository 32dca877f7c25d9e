package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigProblem;

class PolicyParseTest {

    private static List<ConfigProblem> problems(String yaml) {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> Fixtures.policies(yaml));
        return e.problems();
    }

    @Test
    void reportsACelCompileErrorAtFileLineAndKeyPath() {
        List<ConfigProblem> problems = problems("""
                policies:
                  - name: ok
                    deny: {}
                  - name: typo
                    deny:
                      kinds: [DELETE]
                      when: "command.has_wher"
                """);
        assertThat(problems).hasSize(1);
        ConfigProblem p = problems.getFirst();
        assertThat(p.file()).isEqualTo(Path.of("sluice.yaml"));
        assertThat(p.line()).isEqualTo(7);
        assertThat(p.keyPath()).isEqualTo("policies[1].deny.when");
        assertThat(p.message()).startsWith("invalid CEL condition: ").contains("undefined field 'has_wher'");
        assertThat(p.toString()).startsWith("sluice.yaml:7: policies[1].deny.when: invalid CEL condition");
    }

    @Test
    void reportsANonBooleanCondition() {
        assertThat(problems("""
                - name: x
                  deny:
                    when: "command.kind"
                """)).singleElement().extracting(ConfigProblem::message).asString().contains("bool");
    }

    @Test
    void refusesAKindNoProtocolClassifiesIntoAtFileAndLine() {
        RuleSource rules = YamlRuleSource.policies(Path.of("sluice.yaml"), """
                policies:
                  - name: typo
                    deny:
                      kinds: [DROP_TABLE, drop, unknown, OPAQUE]
                """);
        // a misspelt kind matched nothing: DROP TABLE went through a rule meant to deny it (found in review)
        assertThatThrownBy(() -> PolicySet.parse(List.of(rules),
                new Vocabulary(java.util.Set.of("DROP"), java.util.Map.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("sluice.yaml:4: policies[0].deny.kinds: unknown command kind 'DROP_TABLE' "
                        + "(known: DROP, UNKNOWN, OPAQUE)");
        assertThat(PolicySet.parse(List.of(YamlRuleSource.policies(Path.of("sluice.yaml"), """
                policies:
                  - name: fine
                    deny:
                      kinds: [drop, unknown, OPAQUE]
                """)), new Vocabulary(java.util.Set.of("DROP"), java.util.Map.of())).rules()).hasSize(1);
    }

    @Test
    void reportsDuplicateRuleNamesAcrossTwoFiles() {
        RuleSource main = YamlRuleSource.policies(Path.of("sluice.yaml"), """
                policies:
                  - name: shared
                    deny: {}
                """);
        RuleSource extra = YamlRuleSource.policies(Path.of("policies/extra.yaml"), """
                - name: other
                  allow: {}
                - name: shared
                  allow: {}
                """);
        assertThatThrownBy(() -> PolicySet.parse(List.of(main, extra)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("policies/extra.yaml:3: [1].name: duplicate rule name 'shared'; first declared at "
                        + "sluice.yaml:2");
    }

    @Test
    void reportsUnknownKeysInRulesAndBodies() {
        assertThat(problems("""
                - name: x
                  group: [agents]
                  deny:
                    kind: [DROP]
                """)).extracting(ConfigProblem::keyPath, ConfigProblem::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple("[0].group", 2),
                org.assertj.core.groups.Tuple.tuple("[0].deny.kind", 4));
    }

    @Test
    void refusesTwoActionsInOneRuleAndARuleWithoutAction() {
        assertThat(problems("""
                - name: both
                  deny: {}
                  allow: {}
                - name: none
                  groups: [a]
                """)).extracting(ConfigProblem::message).containsExactly(
                "a rule has exactly one action; found allow and deny",
                "a rule needs exactly one action: allow, deny, require-approval, mask");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        List<ConfigProblem> problems = problems("""
                - deny: {}
                - name: "bad name!"
                  allow: {}
                - name: x
                  kind: robot
                  connections: ["label:env"]
                  groups: []
                  allow:
                    approvers: [sre]
                - name: y
                  deny: []
                - name: z
                  require-approval:
                    kinds: [delete, "1x"]
                    approvals-required: 0
                    expires: soon
                    scope: forever
                - just-a-string
                """);
        assertThat(problems).extracting(ConfigProblem::message).containsExactly(
                "a rule needs a 'name'",
                "rule name 'bad name!' must be 1-100 letters, digits, '-', '_' or '.'",
                "label selector 'label:env' must be label:key=value",
                "must not be empty (omit the key to match any)",
                "kind must be machine or human (was: robot)",
                "'approvers' is only valid under require-approval",
                "the body of 'deny' must be a map (use {} to match every command)",
                "'1x' is not a command kind (e.g. SELECT, DELETE, UNKNOWN, OPAQUE)",
                "require-approval needs 'approvers' (groups, or subject:ISSUER#SUBJECT, who may approve)",
                "approvals-required must be a whole number from 1 to 100",
                "expires must be a positive duration such as 30s, 5m, 1h30m or PT5M",
                "scope must be once, session or duration (was: forever)",
                "a rule must be a map with at least 'name' and one action");
    }

    @Test
    void readsApprovalTermsAndNormalisesKinds() {
        PolicySet set = Fixtures.policies("""
                - name: hold
                  description: two SREs for an hour
                  require-approval:
                    kinds: [delete]
                    approvers: [sre, dba]
                    approvals-required: 2
                    expires: 1h30m
                    scope: session
                    reason: ask the on-call
                - name: masked
                  mask:
                    columns: [ssn, email]
                    strategy: {type: hash}
                """);
        Rule hold = set.rule("hold").orElseThrow();
        assertThat(hold.description()).isEqualTo("two SREs for an hour");
        assertThat(hold.condition().kinds()).containsExactly("DELETE");
        assertThat(hold.condition().reason()).contains("ask the on-call");
        assertThat(hold.action()).isEqualTo(new Action.RequireApproval(java.util.Set.of("sre", "dba"), 2,
                Duration.ofMinutes(90), Action.Scope.SESSION));
        assertThat(set.rule("masked").orElseThrow().action()).isEqualTo(new Action.Mask(java.util.Map.of(
                "columns", List.of("ssn", "email"), "strategy", java.util.Map.of("type", "hash"))));
    }

    @Test
    void parsesDurations() {
        assertThat(BodyParser.parseDuration("30s")).contains(Duration.ofSeconds(30));
        assertThat(BodyParser.parseDuration("2d")).contains(Duration.ofDays(2));
        assertThat(BodyParser.parseDuration("500ms")).contains(Duration.ofMillis(500));
        assertThat(BodyParser.parseDuration("PT5M")).contains(Duration.ofMinutes(5));
        assertThat(BodyParser.parseDuration("5")).isEmpty();
        assertThat(BodyParser.parseDuration("5m junk")).isEmpty();
        assertThat(BodyParser.parseDuration("")).isEmpty();
    }

    @Test
    void anEmptyPolicySetFallsBackToTheConnectionDefault() {
        assertThat(PolicySet.empty().rules()).isEmpty();
        assertThat(PolicySet.parse(List.of()).evaluate(Fixtures.input(Fixtures.principal("a"), "c",
                PolicyInput.DENY, Fixtures.sql("SELECT"))).verdict().rule()).isEmpty();
    }

    @Test
    void aSubjectApproverMustNameItsIssuerAtFileAndLine() {
        List<ConfigProblem> problems = problems("""
                - name: h
                  require-approval:
                    kinds: [DELETE]
                    approvers: [sre, "group:dba", "subject:https://idp.example#alice", "subject:alice", "group:"]
                """);
        assertThat(problems).extracting(ConfigProblem::line).containsOnly(4);
        assertThat(problems).extracting(ConfigProblem::message).containsExactly(
                "'subject:alice': a subject approver names its issuer and subject, e.g. "
                        + "subject:https://login.example.com/realms/main#alice (subjects are unique only per issuer)",
                "'group:' names no group (group:NAME)");
    }

    @Test
    void aHoldAnswersAcceptedOnlyWhenEveryMatchingRuleSaysSoAndAnUnknownAnswerIsAProblemAtItsLine() {
        PolicySet set = Fixtures.policies("""
                - name: accepted
                  require-approval: {kinds: [DELETE, UPDATE], approvers: [sre], respond: accepted}
                - name: waits
                  require-approval: {kinds: [UPDATE], approvers: [dba], respond: wait}
                """);
        assertThat(((Action.RequireApproval) set.rule("accepted").orElseThrow().action()).respond())
                .isEqualTo(Action.Respond.ACCEPTED);
        Decision delete = set.evaluateAll(Fixtures.input(Fixtures.principal("a"), "c", PolicyInput.ALLOW,
                Fixtures.sql("DELETE")), List.of(Fixtures.sql("DELETE")));
        Decision update = set.evaluateAll(Fixtures.input(Fixtures.principal("a"), "c", PolicyInput.ALLOW,
                Fixtures.sql("UPDATE")), List.of(Fixtures.sql("UPDATE")));
        assertThat(set.approvalTerms(delete).orElseThrow().respond()).isEqualTo(Action.Respond.ACCEPTED);
        assertThat(set.approvalTerms(update).orElseThrow().respond()).isEqualTo(Action.Respond.WAIT);

        List<ConfigProblem> problems = problems("""
                - name: h
                  require-approval:
                    kinds: [DELETE]
                    approvers: [sre]
                    respond: later
                """);
        assertThat(problems).extracting(ConfigProblem::line).containsExactly(5);
        assertThat(problems).extracting(ConfigProblem::message)
                .containsExactly("respond must be wait or accepted (was: later)");
    }
}
