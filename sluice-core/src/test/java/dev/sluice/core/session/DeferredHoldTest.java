package dev.sluice.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.sluice.core.access.AccessFlow;
import dev.sluice.core.access.AccessTransport;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.approval.AccessGrant;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalSettings;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.approval.ApprovalStore;
import dev.sluice.core.approval.Approvals;
import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.RecordingTrail;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.audit.SessionRecorder;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.policy.ConfigRuleSource;
import dev.sluice.core.policy.PolicySet;
import dev.sluice.core.policy.SqlCommand;
import dev.sluice.core.policy.Vocabulary;

/**
 * The non-blocking hold ({@code require-approval.respond: accepted}), in process: a held command answered at once with
 * its approval id, and the identical command of the same identity redeeming the approval once. The protocol is
 * irrelevant here (the HTTP proxy is its first user, {@code HttpProxyE2ETest} drives it with curl); SQL commands
 * stand in for any command, and the retry key for the protocol's exact description of what would run.
 */
class DeferredHoldTest {
    private static final String YAML = """
            identity:
              dev-issuer: true
            connections:
              - name: orders
                address: 127.0.0.1:5432
                database: orders
                user: app
                allow:
                  groups: [agents]
            policies:
              - name: deletes-accepted
                require-approval:
                  kinds: [DELETE]
                  approvers: [sre]
                  expires: 10m
                  respond: accepted
              - name: drops-wait
                require-approval:
                  kinds: [DROP]
                  approvers: [sre]
            """;
    private static final String DELETE_ONE = "DELETE /orders/1 sha256:aa";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T08:00:00Z"));
    private final RecordingTrail trail = new RecordingTrail();
    private final AtomicReference<GatewayState> state = new AtomicReference<>(state(YAML));
    private final Approvals approvals = new Approvals(new MemoryStore(), trail, clock, state::get,
            ApprovalSettings::defaults, () -> URI.create("http://sluice.test"));
    private final SessionService sessions = new SessionService(state::get, trail, clock, approvals, 8);

    @Test
    void aCommandHeldWithRespondAcceptedIsAnsweredAtOnceWithItsApprovalIdAndNothingIsForwarded() {
        GatewaySession session = start(principal("alice"));

        Deferrable result = session.submit(delete(), () -> DELETE_ONE, NEVER_CALLED);

        assertThat(result).isInstanceOf(Deferrable.Accepted.class);
        Deferrable.Accepted accepted = (Deferrable.Accepted) result;
        assertThat(accepted.approvalId()).startsWith("ap-");
        assertThat(accepted.expires()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
        assertThat(accepted.message()).contains(accepted.approvalId()).contains("sre")
                .contains("send the identical request again");
        assertThat(trail.only(AuditEvent.CommandEvaluated.class).verdict()).isEqualTo("hold");
        assertThat(trail.only(AuditEvent.ApprovalRequested.class).approvalId()).isEqualTo(accepted.approvalId());
        assertThat(approvals.find(accepted.approvalId()).orElseThrow().state()).isEqualTo(ApprovalState.PENDING);
    }

    @Test
    void aRetryWhileThePendingRequestWaitsNamesTheSameRequestInsteadOfMakingAnother() {
        String first = accepted(start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED)).approvalId();

        Deferrable again = start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);

        assertThat(accepted(again).approvalId()).isEqualTo(first);
        assertThat(trail.all(AuditEvent.ApprovalRequested.class)).hasSize(1);
    }

    @Test
    void onceApprovedTheIdenticalRetryIsForwardedOnceAndASecondRetryNeedsANewApproval() {
        String id = accepted(start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED)).approvalId();
        approvals.decide(id, approver("carol"), true, "checked");

        GatewaySession retrying = start(principal("alice"));
        Deferrable retry = retrying.submit(delete(), () -> DELETE_ONE, NEVER_CALLED);
        Deferrable replay = start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);

        assertThat(retry).isEqualTo(new Deferrable.Now(new Submission.Forward(1)));
        AuditEvent.CommandEvaluated forwarded = trail.all(AuditEvent.CommandEvaluated.class).get(1);
        assertThat(forwarded.verdict()).isEqualTo("allow");
        assertThat(forwarded.rule()).isEqualTo("deletes-accepted");
        AuditEvent.ApprovalClosed executed = trail.only(AuditEvent.ApprovalClosed.class);
        assertThat(executed.outcome()).isEqualTo("executed");
        assertThat(executed.approvalId()).isEqualTo(id);
        assertThat(executed.ctx().session()).isEqualTo(retrying.context().session());
        assertThat(approvals.find(id).orElseThrow().redeemed()).isTrue();
        // one approval, one run: the replay of the same command is held again, under a new request
        assertThat(accepted(replay).approvalId()).isNotEqualTo(id);
    }

    @Test
    void anApprovalIsNotUsableForAnotherCommandByAnotherIdentityOrThroughAnotherAgent() {
        String id = accepted(start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED)).approvalId();
        approvals.decide(id, approver("carol"), true, "checked");

        Deferrable otherBody = start(principal("alice")).submit(delete(), () -> "DELETE /orders/1 sha256:bb", NEVER_CALLED);
        Deferrable otherCaller = start(principal("bob")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);
        Principal viaAgent = new Principal("https://idp", "alice", "alice", Set.of("agents"), Principal.Kind.MACHINE,
                List.of(new Principal.Actor("agent-7", "agent-7")));
        Deferrable otherAgent = start(viaAgent).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);
        Principal otherIssuer = new Principal("https://other-idp", "alice", "alice", Set.of("agents"),
                Principal.Kind.MACHINE, List.of());
        Deferrable otherIdp = start(otherIssuer).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);

        assertThat(List.of(otherBody, otherCaller, otherAgent, otherIdp)).allSatisfy(d ->
                assertThat(accepted(d).approvalId()).isNotEqualTo(id));
        assertThat(approvals.find(id).orElseThrow().redeemed()).isFalse();
        // and the caller it was made for still has it
        assertThat(start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED))
                .isEqualTo(new Deferrable.Now(new Submission.Forward(1)));
    }

    @Test
    void anApprovalNotUsedWithinItsWindowAfterTheDecisionIsGone() {
        String id = accepted(start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED)).approvalId();
        approvals.decide(id, approver("carol"), true, "checked");
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));

        Deferrable late = start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);

        assertThat(accepted(late).approvalId()).isNotEqualTo(id);
        assertThat(approvals.find(id).orElseThrow().redeemed()).isFalse();
    }

    @Test
    void anApprovalGivenUnderTermsMadeStricterSinceDoesNotCoverTheRetry() {
        String id = accepted(start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED)).approvalId();
        approvals.decide(id, approver("carol"), true, "checked");
        state.set(state(YAML.replace("      respond: accepted", "      respond: accepted\n      approvals-required: 2")));

        Deferrable retry = start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);

        assertThat(accepted(retry).approvalId()).isNotEqualTo(id);
        assertThat(approvals.find(accepted(retry).approvalId()).orElseThrow().approvalsRequired()).isEqualTo(2);
        assertThat(approvals.find(id).orElseThrow().redeemed()).isFalse();
    }

    @Test
    void aRejectedRequestRefusesItsRetryWithTheRejectersWords() {
        String id = accepted(start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED)).approvalId();
        approvals.decide(id, approver("carol"), false, "not during the freeze");

        Deferrable retry = start(principal("alice")).submit(delete(), () -> DELETE_ONE, NEVER_CALLED);

        assertThat(retry).isEqualTo(new Deferrable.Now(new Submission.Refuse(1, "refused by Sluice: approval " + id
                + " was rejected by carol: not during the freeze")));
        assertThat(trail.all(AuditEvent.CommandEvaluated.class).getLast().verdict()).isEqualTo("deny");
    }

    @Test
    void aRuleThatSaysWaitKeepsTheCallerWaitingEvenWhenTheProtocolCouldBeToldToComeBack() {
        List<String> told = new CopyOnWriteArrayList<>();
        HoldWatch gone = new HoldWatch() {
            @Override
            public void waiting(String message) {
                told.add(message);
            }

            @Override
            public Optional<String> abandoned() {
                return Optional.of("the client disconnected");
            }
        };

        Deferrable result = start(principal("alice")).submit(CommandRequest.of("DROP TABLE t", List.of(sql("DROP"))),
                () -> "DROP t", gone);

        assertThat(told).singleElement().asString().contains("holding this statement");
        assertThat(result).isEqualTo(new Deferrable.Now(new Submission.Refuse(1,
                "refused by Sluice: statement withdrawn: the client disconnected")));
    }

    @Test
    void anAllowedOrDeniedCommandIsDecidedAtOnceAsWithTheWaitingSubmit() {
        Deferrable allowed = start(principal("alice")).submit(CommandRequest.of("SELECT 1", List.of(sql("SELECT"))),
                () -> { throw new AssertionError("an allowed command needs no retry key"); }, NEVER_CALLED);

        assertThat(allowed).isEqualTo(new Deferrable.Now(new Submission.Forward(1)));
        assertThat(trail.all(AuditEvent.ApprovalRequested.class)).isEmpty();
    }

    private static Deferrable.Accepted accepted(Deferrable deferrable) {
        assertThat(deferrable).isInstanceOf(Deferrable.Accepted.class);
        return (Deferrable.Accepted) deferrable;
    }

    private static CommandRequest delete() {
        return CommandRequest.of("DELETE FROM t WHERE id = 1", List.of(sql("DELETE")));
    }

    private GatewaySession start(Principal principal) {
        return sessions.admit(grant(principal)).start(new SessionStart("postgres", "app", "test",
                SessionRecorder.none()));
    }

    private TargetGrant grant(Principal principal) {
        try {
            return new AccessFlow(token -> principal, state::get, trail, clock).authorize(
                    new AuditContext(SessionId.random(), Optional.empty(), "orders", "127.0.0.1"), "app",
                    new AccessTransport() {
                        @Override
                        public String protocol() {
                            return "postgres";
                        }

                        @Override
                        public String requestToken() {
                            return "token";
                        }

                        @Override
                        public void refuseToken(String message) {
                        }

                        @Override
                        public void refuseAccess(String message) {
                        }
                    });
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Principal principal(String subject) {
        return new Principal("https://idp", subject, subject, Set.of("agents"), Principal.Kind.MACHINE, List.of());
    }

    private static Principal approver(String subject) {
        return new Principal("https://idp", subject, subject, Set.of("sre"), Principal.Kind.HUMAN, List.of());
    }

    private static SqlCommand sql(String kind) {
        return new SqlCommand("postgres", kind, kind, Set.of("t"), Set.of(), true, false, 1);
    }

    private static GatewayState state(String yaml) {
        SluiceConfig config = ConfigLoader.parse(Path.of("sluice.yaml"), yaml, Map.of());
        PolicySet policies = PolicySet.parse(List.of(new ConfigRuleSource(config.policies())),
                Vocabulary.of("postgres", Set.of("SELECT", "DROP", "DELETE"), Map.of()));
        try {
            return new GatewayState(config, policies, MaskingRules.parse(config.masking(),
                    MaskingKeys.dataDir(java.nio.file.Files.createTempDirectory("sluice-keys")),
                    new SecretResolver(Map.of())));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A command answered accepted never waits: the watch must not be asked anything. */
    private static final HoldWatch NEVER_CALLED = new HoldWatch() {
        @Override
        public void holding() {
            throw new AssertionError("a command answered accepted does not wait");
        }

        @Override
        public void waiting(String message) {
            throw new AssertionError("a command answered accepted does not wait");
        }

        @Override
        public Optional<String> abandoned() {
            throw new AssertionError("a command answered accepted does not wait");
        }
    };

    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** The store's contract in memory: rows replaced only on the next version. */
    private static final class MemoryStore implements ApprovalStore {
        private final Map<String, ApprovalRequest> requests = new ConcurrentHashMap<>();
        private final List<AccessGrant> grants = new CopyOnWriteArrayList<>();

        @Override
        public void create(ApprovalRequest request) {
            requests.put(request.id(), request);
        }

        @Override
        public Optional<ApprovalRequest> find(String id) {
            return Optional.ofNullable(requests.get(id));
        }

        @Override
        public List<ApprovalRequest> list(Optional<ApprovalState> state, int limit) {
            return requests.values().stream().filter(r -> state.map(s -> s == r.state()).orElse(true))
                    .sorted(Comparator.comparing(ApprovalRequest::created).reversed()).limit(limit).toList();
        }

        @Override
        public synchronized boolean update(ApprovalRequest next) {
            ApprovalRequest stored = requests.get(next.id());
            if (stored == null || stored.version() != next.version() - 1) {
                return false;
            }
            requests.put(next.id(), next);
            return true;
        }

        @Override
        public void addGrant(AccessGrant grant) {
            grants.add(grant);
        }

        @Override
        public List<AccessGrant> activeGrants(String issuer, String subject, String connection, String shape,
                                              Instant now) {
            List<AccessGrant> result = new ArrayList<>();
            for (AccessGrant g : grants) {
                if (g.issuer().equals(issuer) && g.subject().equals(subject) && g.connection().equals(connection)
                        && g.shape().equals(shape) && g.activeAt(now)) {
                    result.add(g);
                }
            }
            return result;
        }

        @Override
        public void close() {
        }
    }

}
