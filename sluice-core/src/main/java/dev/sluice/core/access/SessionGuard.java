package dev.sluice.core.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
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
    private final SessionRecorder recorder;

    public SessionGuard(TargetGrant grant, Supplier<GatewayState> state, AuditLog audit, Clock clock) {
        this.grant = grant;
        this.state = state;
        this.audit = audit;
        this.clock = clock;
        this.started = clock.instant();
        this.recorder = SqlRecorder.create(RecordingConfig.of(state.get().config()), grant.context(), audit, clock);
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

    /** Records the session start; throws {@link dev.sluice.core.audit.AuditWriteException} when it cannot. */
    public void started(String protocol, String claimedUser, String applicationName) {
        audit.append(new AuditEvent.SessionStarted(clock.instant(), context(), protocol, claimedUser, applicationName));
    }

    /**
     * Judges the commands of one execution unit (a simple-query string, or one Execute of a prepared statement) and
     * records the verdict. The strictest verdict over all commands wins.
     *
     * @param text       what is audited as the statement: already masked
     * @param parameters bound parameters, already masked
     * @throws dev.sluice.core.audit.AuditWriteException when the verdict cannot be recorded: the caller must refuse
     */
    public Admission admit(String text, List<String> parameters, List<Command> commands) {
        return record(text, parameters, commands, judge(commands));
    }

    /** Records a refusal decided by the protocol itself (e.g. an EXECUTE of a name never prepared). */
    public Admission refuse(String text, List<String> parameters, List<Command> commands, String reason) {
        return record(text, parameters, commands, new Decision(new Verdict.Deny("", reason), List.of()));
    }

    /** Records a decision taken with {@link #judge}; durable on return. */
    public Admission record(String text, List<String> parameters, List<Command> commands, Decision decision) {
        long id = statements.incrementAndGet();
        String kinds = commands.isEmpty() ? "EMPTY"
                : String.join(";", commands.stream().map(Command::kind).distinct().toList());
        Verdict verdict = decision.verdict();
        audit.append(new AuditEvent.StatementEvaluated(clock.instant(), context(), id, text, parameters, kinds,
                verdictName(verdict), ruleOf(verdict), reasonOf(verdict)));
        recorder.onStatement(id, text, parameters, verdictName(verdict), reasonOf(verdict));
        return new Admission(id, decision);
    }

    /** Records the outcome of a forwarded statement. The statement already ran, so a failure here is only logged. */
    public void completed(long statementId, String tag, long rows, String sqlState, String error, Duration duration) {
        try {
            audit.appendLater(new AuditEvent.StatementCompleted(clock.instant(), context(), statementId, tag, rows,
                    sqlState, error, duration));
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

    static String verdictName(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Allow a -> "allow";
            case Verdict.Deny d -> "deny";
            case Verdict.Hold h -> "hold";
        };
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
