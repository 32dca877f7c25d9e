package dev.sluice.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.approval.ApprovalException.Problem;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.policy.Action;

class ApprovalRequestTest {
    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");

    static Principal person(String subject, String... groups) {
        return new Principal("https://issuer", subject, subject, Set.of(groups), Principal.Kind.HUMAN, List.of());
    }

    static Principal agentFor(String human, String agent) {
        return new Principal("https://issuer", human, human, Set.of("agents"), Principal.Kind.HUMAN,
                List.of(new Principal.Actor(agent, "")));
    }

    static ApprovalRequest request(Principal requester, int required) {
        return new ApprovalRequest("ap-1", ApprovalKind.STATEMENT, ApprovalState.PENDING, 0, requester, "orders",
                "s-1", 3, "DELETE FROM t WHERE id = 1", "DELETE", "delete from t where id=?", "r", "why",
                Set.of("sre"), required, Action.Scope.ONCE, Duration.ZERO, "", NOW, NOW.plusSeconds(300), List.of(),
                "");
    }

    private static Vote vote(String who, boolean approve) {
        return new Vote(who, who, approve, "", NOW);
    }

    @Test
    void oneApprovalFromAnApproverGroupMemberApproves() {
        ApprovalRequest result = request(person("agent"), 1).vote(person("bob", "sre"), vote("bob", true), NOW);
        assertThat(result.state()).isEqualTo(ApprovalState.APPROVED);
        assertThat(result.version()).isEqualTo(1);
    }

    @Test
    void twoRequiredApprovalsNeedTwoDistinctApprovers() {
        ApprovalRequest once = request(person("agent"), 2).vote(person("bob", "sre"), vote("bob", true), NOW);
        assertThat(once.state()).isEqualTo(ApprovalState.PENDING);
        assertThatThrownBy(() -> once.vote(person("bob", "sre"), vote("bob", true), NOW))
                .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.problem())
                        .isEqualTo(Problem.CONFLICT));
        ApprovalRequest twice = once.vote(person("carol", "sre"), vote("carol", true), NOW);
        assertThat(twice.state()).isEqualTo(ApprovalState.APPROVED);
        assertThat(twice.version()).isEqualTo(2);
    }

    @Test
    void oneRejectionDecides() {
        ApprovalRequest result = request(person("agent"), 2).vote(person("bob", "sre"), vote("bob", false), NOW);
        assertThat(result.state()).isEqualTo(ApprovalState.REJECTED);
        assertThat(result.rejection()).isPresent();
    }

    @Test
    void theRequesterTheHumanItActsForAndItsAgentCannotDecide() {
        ApprovalRequest delegated = request(agentFor("alice", "bot"), 1);
        for (Principal party : List.of(person("alice", "sre"), person("bot", "sre"),
                new Principal("i", "carol", "carol", Set.of("sre"), Principal.Kind.HUMAN,
                        List.of(new Principal.Actor("bot", ""))))) {
            assertThatThrownBy(() -> delegated.vote(party, vote(party.subject(), true), NOW))
                    .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.problem())
                            .isEqualTo(Problem.FORBIDDEN));
        }
    }

    @Test
    void someoneOutsideTheApproversIsForbidden() {
        assertThatThrownBy(() -> request(person("agent"), 1).vote(person("eve", "dev"), vote("eve", true), NOW))
                .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.problem())
                        .isEqualTo(Problem.FORBIDDEN));
    }

    @Test
    void anExpiredRequestCannotBeDecided() {
        Instant later = NOW.plusSeconds(301);
        assertThatThrownBy(() -> request(person("agent"), 1).vote(person("bob", "sre"), vote("bob", true), later))
                .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.problem())
                        .isEqualTo(Problem.CONFLICT));
        assertThat(request(person("agent"), 1).expiredAt(later)).isTrue();
    }

    @Test
    void aClosedRequestStaysClosed() {
        ApprovalRequest withdrawn = request(person("agent"), 1).close(ApprovalState.WITHDRAWN, "gone");
        assertThat(withdrawn.note()).isEqualTo("gone");
        assertThatThrownBy(() -> withdrawn.vote(person("bob", "sre"), vote("bob", true), NOW))
                .isInstanceOf(ApprovalException.class);
        assertThatThrownBy(() -> withdrawn.close(ApprovalState.EXPIRED, "late"))
                .isInstanceOf(ApprovalException.class);
    }

    private static ApprovalRequest requestFor(Principal requester, String... approvers) {
        return new ApprovalRequest("ap-2", ApprovalKind.STATEMENT, ApprovalState.PENDING, 0, requester, "orders",
                "s-1", 3, "DELETE FROM t", "DELETE", "delete from t", "r", "why", Set.of(approvers), 2,
                Action.Scope.ONCE, Duration.ZERO, "", NOW, NOW.plusSeconds(300), List.of(), "");
    }

    private static Principal of(String issuer, String subject, String... groups) {
        return new Principal(issuer, subject, subject, Set.of(groups), Principal.Kind.HUMAN, List.of());
    }

    @Test
    void aSubjectNamedLikeTheApproverGroupIsNotInTheGroup() {
        ApprovalRequest request = requestFor(person("agent"), "sre");
        assertThat(request.approvableBy(person("sre"))).as("sub=sre, no groups").isFalse();
        assertThat(request.approvableBy(person("bob", "sre"))).isTrue();
        assertThat(requestFor(person("agent"), "group:sre").approvableBy(person("sre"))).isFalse();
        assertThatThrownBy(() -> request.vote(person("sre"), vote("sre", true), NOW))
                .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.problem())
                        .isEqualTo(Problem.FORBIDDEN));
    }

    @Test
    void aSubjectApproverIsOneIssuersSubjectExactly() {
        ApprovalRequest request = requestFor(person("agent"), "subject:https://issuer#carol");
        assertThat(request.approvableBy(of("https://issuer", "carol"))).isTrue();
        assertThat(request.approvableBy(of("https://other", "carol"))).as("another issuer's carol").isFalse();
        assertThat(request.approvableBy(of("https://issuer", "Carol"))).isFalse();
        assertThat(request.approvableBy(of("https://issuer", "bob", "carol"))).as("a group named carol").isFalse();
    }

    @Test
    void partiesAreComparedIgnoringCaseAndIssuerFailingClosed() {
        ApprovalRequest request = request(agentFor("alice", "bot"), 1);
        for (Principal party : List.of(person("Alice", "sre"), person("ALICE", "sre"), person("Bot", "sre"),
                of("https://other", "alice", "sre"), of("https://issuer", " alice", "sre"))) {
            assertThat(request.involves(party)).as(party.issuer() + " " + party.subject()).isTrue();
            assertThatThrownBy(() -> request.vote(party, vote(party.subject(), true), NOW))
                    .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.problem())
                            .isEqualTo(Problem.FORBIDDEN));
        }
    }

    @Test
    void oneApproverCannotCountTwiceByChangingCase() {
        ApprovalRequest once = request(person("agent"), 2).vote(person("bob", "sre"), vote("bob", true), NOW);
        assertThatThrownBy(() -> once.vote(person("Bob", "sre"), vote("Bob", true), NOW))
                .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.problem())
                        .isEqualTo(Problem.CONFLICT));
    }
}
