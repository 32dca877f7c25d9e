package dev.sluice.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.sluice.core.access.AccessFlow;
import dev.sluice.core.access.AccessRefusedException;
import dev.sluice.core.access.AccessTransport;
import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.approval.ApprovalGate;
import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditWriteException;
import dev.sluice.core.audit.CommandOutcome;
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
import dev.sluice.core.policy.ExecCommand;
import dev.sluice.core.policy.PolicySet;
import dev.sluice.core.policy.SqlCommand;
import dev.sluice.core.policy.Vocabulary;

/**
 * The security flow of every protocol, in process (no wire): one {@link GatewaySession} judged, masked, recorded and
 * ended by core, whatever the protocol; the session cap, drain and the live-session registry of
 * {@link SessionService}; and the grant that only a transport of the connection's own protocol gets.
 */
class GatewaySessionTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T08:00:00Z"), ZoneOffset.UTC);
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
              - name: no-drops
                deny:
                  kinds: [DROP]
              - name: no-rm
                deny:
                  commands: [dangerous]
              - name: deletes-wait
                require-approval:
                  kinds: [DELETE]
                  approvers: [sre]
            masking:
              - name: cards
                connections: [orders]
                detectors: [card]
            """;

    private final RecordingTrail trail = new RecordingTrail();
    private final AtomicReference<GatewayState> state = new AtomicReference<>(state());
    private final SessionService sessions = new SessionService(state::get, trail, CLOCK, ApprovalGate.disabled(), 2);

    private static GatewayState state() {
        SluiceConfig config = ConfigLoader.parse(Path.of("sluice.yaml"), YAML, Map.of());
        PolicySet policies = PolicySet.parse(List.of(new ConfigRuleSource(config.policies())),
                Vocabulary.of("postgres", Set.of("SELECT", "DROP", "DELETE"), Map.of())
                        .plus(Vocabulary.of("ssh", Set.of("EXEC"), Map.of("commands", Set.of("rm", "dd")))));
        MaskingRules masking;
        try {
            masking = MaskingRules.parse(config.masking(),
                    MaskingKeys.dataDir(java.nio.file.Files.createTempDirectory("sluice-keys")),
                    new SecretResolver(Map.of()));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return new GatewayState(config, policies, masking);
    }

    @Test
    void anAllowedCommandIsRecordedMaskedBeforeItIsForwardedAndItsOutcomeAfter() {
        Recorder recorder = new Recorder();
        GatewaySession session = start("alice", recorder);

        Submission result = session.submit(CommandRequest.of("SELECT '4242 4242 4242 4242'",
                List.of(sql("SELECT"))), NO_WAIT);
        session.completed(result.commandId(), new CommandOutcome.Sql("SELECT 1", 1, "", ""), Duration.ofMillis(2));

        assertThat(result).isEqualTo(new Submission.Forward(1));
        AuditEvent.CommandEvaluated judged = trail.only(AuditEvent.CommandEvaluated.class);
        assertThat(judged.text()).isEqualTo("SELECT '[REDACTED]'"); // masked for the record, whoever the caller
        assertThat(judged.verdict()).isEqualTo("allow");
        assertThat(recorder.commands).containsExactly(judged.text());
        assertThat(trail.only(AuditEvent.CommandCompleted.class).tag()).isEqualTo("SELECT 1");
    }

    @Test
    void aDeniedCommandOfAnyProtocolIsRefusedWithTheRuleAndRecorded() {
        GatewaySession session = start("alice", SessionRecorder.none());

        Submission drop = session.submit(CommandRequest.of("DROP TABLE t", List.of(sql("DROP"))), NO_WAIT);
        Submission rm = session.submit(CommandRequest.of(new ExecCommand("ssh", "EXEC", "rm -rf /srv",
                List.of("rm"), false)), NO_WAIT);

        assertThat(drop).isEqualTo(new Submission.Refuse(1, "denied by Sluice policy rule \"no-drops\": "
                + "rule 'no-drops' denies DROP"));
        assertThat(rm).isInstanceOf(Submission.Refuse.class);
        assertThat(((Submission.Refuse) rm).message()).contains("no-rm");
        assertThat(trail.all(AuditEvent.CommandEvaluated.class)).extracting(AuditEvent.CommandEvaluated::verdict)
                .containsExactly("deny", "deny");
    }

    @Test
    void aRefusalTheProtocolDecidedIsRecordedAsSuch() {
        GatewaySession session = start("alice", SessionRecorder.none());

        Submission result = session.submit(CommandRequest.refused("EXECUTE q", List.of(),
                "prepared statement \"q\" is not known"), NO_WAIT);

        assertThat(result).isEqualTo(new Submission.Refuse(1, "refused by Sluice: prepared statement \"q\" is not known"));
        assertThat(trail.only(AuditEvent.CommandEvaluated.class).reason()).contains("not known");
    }

    @Test
    void aHoldIsARefusalWhereApprovalsAreNotEnabled() {
        GatewaySession session = start("alice", SessionRecorder.none());

        Submission result = session.submit(CommandRequest.of("DELETE FROM t WHERE id = 1",
                List.of(sql("DELETE"))), NO_WAIT);

        assertThat(((Submission.Refuse) result).message()).contains("approval required")
                .contains("statement approval is not enabled");
    }

    @Test
    void nothingIsForwardedWhenTheVerdictCannotBeRecorded() {
        GatewaySession session = start("alice", SessionRecorder.none());
        trail.failing = true;

        assertThatThrownBy(() -> session.submit(CommandRequest.of("SELECT 1", List.of(sql("SELECT"))), NO_WAIT))
                .isInstanceOf(AuditWriteException.class);
    }

    @Test
    void aSessionThatCannotRecordItsStartDoesNotStartAndFreesItsSlot() {
        trail.failing = true;
        SessionService.Slot slot = sessions.admit(grant("alice"));

        assertThatThrownBy(() -> slot.start(new SessionStart("postgres", "app", "", SessionRecorder.none())))
                .isInstanceOf(SessionRefusedException.class)
                .extracting(e -> ((SessionRefusedException) e).reason()).isEqualTo(SessionRefusedException.Reason.AUDIT);
        slot.close();
        assertThat(sessions.slotsInUse()).isZero();
    }

    @Test
    void overTheCapAGrantedCallerIsRefusedAndTheSlotComesBackAtTheEnd() {
        GatewaySession first = start("alice", SessionRecorder.none());
        start("bob", SessionRecorder.none());

        assertThatThrownBy(() -> sessions.admit(grant("carol"))).isInstanceOf(SessionRefusedException.class)
                .extracting(e -> ((SessionRefusedException) e).reason())
                .isEqualTo(SessionRefusedException.Reason.CAPACITY);
        first.end("client closed");
        first.end("twice"); // only the first end counts
        assertThat(sessions.admit(grant("carol"))).isNotNull();
        assertThat(trail.all(AuditEvent.SessionEnded.class)).hasSize(1);
    }

    @Test
    void anOperatorEndsALiveSessionThroughItsProtocolAndTheEndSaysWho() {
        GatewaySession session = start("alice", SessionRecorder.none());
        List<String> told = new CopyOnWriteArrayList<>();
        session.onTerminate(reason -> {
            told.add(reason);
            session.end("client closed"); // what a protocol does once it told its client
        });
        session.countFromClient(10);
        session.countToClient(20);

        assertThat(sessions.list()).singleElement().satisfies(live -> {
            assertThat(live.subject()).isEqualTo("alice");
            assertThat(live.protocol()).isEqualTo("postgres");
            assertThat(live.bytesFromClient()).isEqualTo(10);
        });
        assertThat(sessions.kill("no-such", "root", "")).isFalse();
        assertThat(sessions.kill(session.context().session().toString(), "root (https://idp)", "runaway")).isTrue();

        assertThat(told).containsExactly("ended by root (https://idp): runaway");
        assertThat(trail.only(AuditEvent.SessionEnded.class).reason()).isEqualTo("ended by root (https://idp): runaway");
        assertThat(sessions.list()).isEmpty();
    }

    @Test
    void aDrainRefusesNewSessionsAndEndsOpenOnesEvenOneThatStartsLate() {
        GatewaySession open = start("alice", SessionRecorder.none());
        List<String> told = new CopyOnWriteArrayList<>();
        open.onTerminate(told::add);
        SessionService.Slot late = sessions.admit(grant("bob"));

        sessions.drain();
        sessions.endAll(SessionService.DRAINING_MESSAGE);
        GatewaySession lateSession = late.start(new SessionStart("postgres", "app", "", SessionRecorder.none()));
        List<String> lateTold = new CopyOnWriteArrayList<>();
        lateSession.onTerminate(lateTold::add);

        assertThat(told).containsExactly(SessionService.DRAINING_MESSAGE);
        assertThat(lateTold).containsExactly(SessionService.DRAINING_MESSAGE);
        assertThatThrownBy(() -> sessions.admit(grant("carol"))).isInstanceOf(SessionRefusedException.class)
                .extracting(e -> ((SessionRefusedException) e).reason())
                .isEqualTo(SessionRefusedException.Reason.DRAINING);
    }

    @Test
    void aConnectionIsReachedOnlyThroughItsOwnProtocol() {
        AccessFlow access = new AccessFlow(token -> principal("alice"), state::get, trail, CLOCK);

        assertThatThrownBy(() -> access.authorize(context(), "app", transport("ssh")))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessage("access to connection \"orders\" is not permitted for alice");
        assertThat(trail.only(AuditEvent.AccessDenied.class).reason()).isEqualTo("connection is of type postgres");
    }

    private GatewaySession start(String subject, SessionRecorder recorder) {
        return sessions.admit(grant(subject)).start(new SessionStart("postgres", "app", "test", recorder));
    }

    private TargetGrant grant(String subject) {
        try {
            return new AccessFlow(token -> principal(subject), state::get, trail, CLOCK).authorize(context(), "app",
                    transport("postgres"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static AuditContext context() {
        return new AuditContext(SessionId.random(), Optional.empty(), "orders", "127.0.0.1");
    }

    private static Principal principal(String subject) {
        return new Principal("https://idp", subject, subject, Set.of("agents"), Principal.Kind.MACHINE, List.of());
    }

    private static SqlCommand sql(String kind) {
        return new SqlCommand("postgres", kind, kind, Set.of("t"), Set.of(), true, false, 1);
    }

    private static AccessTransport transport(String protocol) {
        return new AccessTransport() {
            @Override
            public String protocol() {
                return protocol;
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
        };
    }

    private static final HoldWatch NO_WAIT = new HoldWatch() {
        @Override
        public void waiting(String message) {
        }

        @Override
        public Optional<String> abandoned() {
            return Optional.of("test");
        }
    };

    /** The audit trail, in memory; fails every write while {@link #failing}. */
    private static final class Recorder implements SessionRecorder {
        final List<String> commands = new CopyOnWriteArrayList<>();

        @Override
        public void onCommand(long commandId, String text, List<String> parameters, String verdict, String reason) {
            commands.add(text);
        }

        @Override
        public void onResult(long commandId, CommandOutcome outcome, Duration duration) {
        }
    }
}
