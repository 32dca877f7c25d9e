package dev.sluice.core.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.approval.ApprovalGate;
import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.approval.SessionHolds;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditText;
import dev.sluice.core.audit.SessionRecorder;
import dev.sluice.core.audit.SqlRecorder;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.RecordingConfig;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.PolicyInput;
import dev.sluice.core.policy.RuleMatch;
import dev.sluice.core.policy.Verdict;

/**
 * The per-command gate of one granted session: judges each command with the policy in force at that moment and
 * records the verdict durably before the protocol may forward anything; then records outcomes and the session's end.
 *
 * <p>Used from the session's two relay threads: {@link #admit} from the client-to-upstream thread,
 * {@link #completed} from the upstream-to-client thread. Statement ids come from an atomic counter; the audit log is
 * thread-safe.
 */
public final class SessionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(SessionGuard.class);
    private final TargetGrant grant;
    private final Supplier<GatewayState> state;
    private final AuditLog audit;
    private final Clock clock;
    private final Instant started;
    private final AtomicLong statements = new AtomicLong();
    private final SessionHolds holds;
    private final SessionRecorder recorder;
    /** {@code audit.max-statement-bytes}: longer texts and parameters are recorded as head, length and digest. */
    private final int maxAuditedBytes;

    public SessionGuard(TargetGrant grant, Supplier<GatewayState> state, AuditLog audit, Clock clock) {
        this(grant, state, audit, clock, ApprovalGate.disabled());
    }

    /** As above, with held statements waiting for approval through {@code approvals}. */
    public SessionGuard(TargetGrant grant, Supplier<GatewayState> state, AuditLog audit, Clock clock,
                        ApprovalGate approvals) {
        this.grant = grant;
        this.state = state;
        this.audit = audit;
        this.clock = clock;
        this.started = clock.instant();
        this.holds = approvals.session(grant, state);
        this.recorder = SqlRecorder.create(RecordingConfig.of(state.get().config()), grant.context(), audit, clock);
        this.maxAuditedBytes = AuditText.maxStatementBytes(state.get().config());
    }

    /** The session's recorder, fed with results by the protocol's response path. */
    public SessionRecorder recorder() {
        return recorder;
    }

    public TargetGrant grant() {
        return grant;
    }

    public AuditContext context() {
        return grant.context();
    }

    /** The live configuration generation in force now. */
    public GatewayState state() {
        return state.get();
    }

    /** Records the session start; throws {@link dev.sluice.core.audit.AuditWriteException} when it cannot. */
    public void started(String protocol, String claimedUser, String applicationName) {
        holds.applicationName(applicationName);
        audit.writeAhead(new AuditEvent.SessionStarted(clock.instant(), context(), protocol, claimedUser, applicationName));
    }

    /**
     * Judges the commands of one execution unit (a simple-query string, or one Execute of a prepared statement) and
     * records the verdict. The strictest verdict over all commands wins.
     *
     * @param text       what is audited as the statement: already masked; stored whole up to
     *                   {@code audit.max-statement-bytes}, else its head, length and SHA-256 ({@link AuditText})
     * @param parameters bound parameters, already masked
     * @throws dev.sluice.core.audit.AuditWriteException when the verdict cannot be recorded: the caller must refuse
     */
    public Admission admit(String text, List<String> parameters, List<Command> commands) {
        return record(text, parameters, commands, holds.resolve(judge(commands), text));
    }

    /**
     * Waits for the approval a held admission needs (see {@link SessionHolds#await}); returns the admission to act
     * on: allowed to forward the statement as submitted, or refused with the reason. An admission that is not held
     * is returned as is.
     */
    public Admission awaitApproval(Admission held, String text, List<Command> commands, HoldWatch watch) {
        if (!(held.decision().verdict() instanceof Verdict.Hold)) {
            return held;
        }
        return new Admission(held.statementId(), holds.await(held.statementId(), held.decision(), text, commands,
                watch));
    }

    /** Calls {@code end} when the access grant this session rests on expires; close the result to stop. */
    public AutoCloseable watchAccess(Runnable end) {
        return holds.watchAccess(end);
    }

    /**
     * Calls {@code end} with the reason, to be told to the client and recorded as the session's end, when the
     * session's access grant expires (see {@link #watchAccess}) or its token does: at the token's {@code exp} plus
     * the issuer's {@code session-grace}. A session never outlives the credential it was opened with. Close the
     * result to stop watching.
     */
    public AutoCloseable watchExpiry(Consumer<String> end) {
        AutoCloseable access = holds.watchAccess(() -> end.accept("access grant to connection \""
                + grant.connection().name() + "\" expired"));
        Optional<TargetGrant.TokenDeadline> deadline = grant.tokenDeadline();
        if (deadline.isEmpty()) {
            return access;
        }
        Thread watcher = Thread.ofVirtual().name("sluice-token-" + context().session()).start(() -> {
            try {
                Duration left = Duration.between(clock.instant(), deadline.get().endsAt());
                while (left.isPositive()) {
                    Thread.sleep(left);
                    left = Duration.between(clock.instant(), deadline.get().endsAt());
                }
                LOG.info("session {}: its token expired at {}; ending it", context().session(),
                        deadline.get().expires());
                end.accept("token expired at " + deadline.get().expires() + " (session grace "
                        + deadline.get().grace().toSeconds() + "s): reconnect with a new token");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the session ended first
            }
        });
        return () -> {
            watcher.interrupt();
            access.close();
        };
    }

    /** Records a refusal decided by the protocol itself (e.g. an EXECUTE of a name never prepared). */
    public Admission refuse(String text, List<String> parameters, List<Command> commands, String reason) {
        return record(text, parameters, commands, new Decision(new Verdict.Deny("", reason), List.of()));
    }

    /** Records a decision taken with {@link #judge}; durable on return. */
    public Admission record(String text, List<String> parameters, List<Command> commands, Decision decision) {
        long id = statements.incrementAndGet();
        String kinds = commands.isEmpty() ? "EMPTY"
                : String.join(";", commands.stream().map(Command::kindsLabel).distinct().toList());
        Verdict verdict = decision.verdict();
        // The trail must not be a target: a 60 MB statement is recorded as its head, length and SHA-256, in the
        // event and in the recording alike (AuditText).
        String recordedText = AuditText.bounded(text, maxAuditedBytes);
        List<String> recordedParameters = parameters.isEmpty() ? parameters
                : AuditText.parameters(parameters, maxAuditedBytes);
        audit.writeAhead(new AuditEvent.StatementEvaluated(clock.instant(), context(), id, recordedText,
                recordedParameters, kinds, verdict.label(), ruleOf(verdict), reasonOf(verdict)));
        recorder.onStatement(id, recordedText, recordedParameters, verdict.label(), reasonOf(verdict));
        return new Admission(id, decision);
    }

    /** Records the outcome of a forwarded statement. The statement already ran, so a failure here is only logged. */
    public void completed(long statementId, String tag, long rows, String sqlState, String error, Duration duration) {
        completed(statementId, tag, rows, sqlState, error, duration, Map.of());
    }

    /**
     * Records the outcome with how many values each masking rule replaced in the result ({@code rule/what} to
     * count; never the values). The statement already ran, so a failure here is only logged.
     */
    public void completed(long statementId, String tag, long rows, String sqlState, String error, Duration duration,
                          Map<String, Long> masked) {
        try {
            audit.appendLater(new AuditEvent.StatementCompleted(clock.instant(), context(), statementId, tag, rows,
                    sqlState, error, duration, masked));
        } catch (RuntimeException e) {
            LOG.error("session {}: could not record the outcome of statement {}", context().session(), statementId, e);
        }
        recorder.onResult(statementId, tag, rows, sqlState, error, duration);
    }

    public void ended(long bytesFromClient, long bytesToClient, String reason) {
        recorder.onEnd();
        try {
            audit.appendLater(new AuditEvent.SessionEnded(clock.instant(), context(), bytesFromClient, bytesToClient,
                    Duration.between(started, clock.instant()), reason));
        } catch (RuntimeException e) {
            LOG.error("session {}: could not record the session end", context().session(), e);
        }
    }

    /** Judges commands with the policy in force now, without recording anything. Never throws: fails closed. */
    public Decision judge(List<Command> commands) {
        if (commands.isEmpty()) {
            // An empty query string runs nothing; the server answers EmptyQueryResponse.
            return new Decision(new Verdict.Allow(""), List.of());
        }
        GatewayState current = state.get();
        Optional<ConnectionConfig> connection = current.config().connection(grant.connection().name());
        if (connection.isEmpty()) {
            // The connection was removed by a reload while this session was open: nothing may pass any more.
            return new Decision(new Verdict.Deny("", "the connection is no longer configured"), List.of());
        }
        try {
            PolicyInput input = new PolicyInput(grant.principal(), connection.get().name(), connection.get().labels(),
                    connection.get().defaultAction(), commands.getFirst(),
                    clock.instant(), context().clientAddress());
            return current.policies().evaluateAll(input, commands);
        } catch (RuntimeException e) {
            // Fail closed: a policy that cannot be evaluated refuses the command.
            LOG.error("session {}: policy evaluation failed", context().session(), e);
            return new Decision(new Verdict.Deny("", "policy evaluation failed"), List.of(
                    new RuleMatch("", "deny", "evaluation error")));
        }
    }

    private static String ruleOf(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Allow a -> a.rule();
            case Verdict.Deny d -> d.rule();
            case Verdict.Hold h -> h.rule();
        };
    }

    private static String reasonOf(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Allow a -> "";
            case Verdict.Deny d -> d.reason();
            case Verdict.Hold h -> h.reason();
        };
    }
}
