package dev.sluice.core.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.approval.ApprovalException;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.Deferral;
import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.approval.SessionHolds;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditText;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.audit.SessionRecorder;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.PolicyInput;
import dev.sluice.core.policy.RuleMatch;
import dev.sluice.core.policy.Verdict;

/**
 * One granted session of any protocol, from its start to its end: the security flow written once. Every command the
 * protocol decodes goes through {@link #submit}: judged with the policy in force at that moment, held for approval
 * where a rule says so, masked for the record, written durably to the audit trail and the recording before the
 * protocol may forward anything, and answered {@link Submission.Forward} or {@link Submission.Refuse}. Outcomes come
 * back through {@link #completed}; the end through {@link #end}. Grant and token expiry, drain and an operator's kill
 * reach the protocol through its {@link SessionTerminator}.
 *
 * <p>Made by {@link SessionService.Slot#start}, never by a protocol. Threads: {@link #submit} from the session's
 * client side, {@link #completed} from its upstream side, {@link #terminate} from any thread; command ids come from
 * an atomic counter and the audit log is thread-safe.
 */
public final class GatewaySession {
    private static final Logger LOG = LoggerFactory.getLogger(GatewaySession.class);
    private final TargetGrant grant;
    private final Supplier<GatewayState> state;
    private final AuditLog audit;
    private final Clock clock;
    private final Instant started;
    private final SessionStart start;
    private final SessionHolds holds;
    private final SessionService service;
    private final Runnable releaseSlot;
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong fromClient = new AtomicLong();
    private final AtomicLong toClient = new AtomicLong();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** {@code audit.max-statement-bytes}: longer texts and parameters are recorded as head, length and digest. */
    private final int maxAuditedBytes;
    private final ReentrantLock terminatorLock = new ReentrantLock();
    private final AuditMasking auditMasking = new AuditMasking();
    private SessionTerminator terminator;
    private AutoCloseable expiryWatch;
    /** Why the session was ended from outside, once it was; told again to a terminator set later. */
    private volatile String terminatedWith = "";

    GatewaySession(TargetGrant grant, SessionStart start, SessionService service, Runnable releaseSlot) {
        this.grant = grant;
        this.start = start;
        this.service = service;
        this.releaseSlot = releaseSlot;
        this.state = service.state();
        this.audit = service.audit();
        this.clock = service.clock();
        this.started = clock.instant();
        this.holds = service.approvals().session(grant, state);
        this.holds.applicationName(start.application());
        this.maxAuditedBytes = state.get().maxAuditedBytes();
    }

    /** Records the start; throws {@link dev.sluice.core.audit.AuditWriteException} when it cannot. */
    void recordStart() {
        audit.writeAhead(new AuditEvent.SessionStarted(clock.instant(), context(), start.protocol(),
                start.claimedUser(), start.application()));
    }

    public TargetGrant grant() {
        return grant;
    }

    public AuditContext context() {
        return grant.context();
    }

    public String protocol() {
        return start.protocol();
    }

    /** The live configuration generation in force now. */
    public GatewayState state() {
        return state.get();
    }

    /** The recorder the protocol supplied at the start. */
    public SessionRecorder recorder() {
        return start.recorder();
    }

    /**
     * The one call per command: judges it with the policy in force now (or records the protocol's own refusal),
     * resolves a hold (an earlier session- or duration-scoped approval covers it, else it waits here for people to
     * decide, with {@code watch} telling the client and noticing when it gives up), masks its text and parameters for
     * the record, and writes the verdict durably before returning. The strictest verdict over all its commands wins.
     *
     * @throws dev.sluice.core.audit.AuditWriteException when the verdict cannot be recorded: the protocol must
     *                                                     refuse, and should end the session
     */
    public Submission submit(CommandRequest request, HoldWatch watch) {
        String text = maskedText(request.text());
        Decision decision = request.refusal().isPresent() ? denied(request.refusal().get())
                : holds.resolve(judge(request.commands()), text);
        long id = record(text, maskedParameters(request.parameters()), request.commands(), decision);
        if (decision.verdict() instanceof Verdict.Hold) {
            watch.holding();
            decision = holds.await(id, decision, text, List.<Command>copyOf(request.commands()), watch,
                    maskedPreview(request));
        }
        return answer(id, decision);
    }

    /**
     * {@link #submit(CommandRequest, HoldWatch)} for a command the protocol can name again exactly: {@code retryKey}
     * says what would run (HTTP: method, target, the headers forwarded and the body's digest), and is what makes a
     * later command "the same"; it is asked for only when the command is held with {@code respond: accepted}. When the command is held and every matching rule says {@code respond: accepted},
     * nothing waits: an approval request is made (or the pending one for the same identity, connection and key is
     * named again) and {@link Deferrable.Accepted} returned; the identical command sent again by the same identity
     * (issuer, subject and actor chain) after the approval is judged again and, still held, redeems the approval once
     * (compare-and-set in the store) and is forwarded, audited as {@code allow} by the hold rule with an
     * {@code approval.executed} event. A rejected request refuses its retries until its index expires. Holds whose
     * rules say {@code wait} wait here as with the other overload.
     *
     * @throws dev.sluice.core.audit.AuditWriteException when the verdict cannot be recorded
     */
    public Deferrable submit(CommandRequest request, Supplier<String> retryKey, HoldWatch watch) {
        if (request.refusal().isPresent()) {
            return new Deferrable.Now(submit(request, watch));
        }
        String text = maskedText(request.text());
        Decision decision = holds.resolve(judge(request.commands()), text);
        List<String> parameters = maskedParameters(request.parameters());
        if (!(decision.verdict() instanceof Verdict.Hold hold) || !holds.answersAccepted(decision)) {
            long id = record(text, parameters, request.commands(), decision);
            if (decision.verdict() instanceof Verdict.Hold) {
                watch.holding();
                decision = holds.await(id, decision, text, List.<Command>copyOf(request.commands()), watch,
                        maskedPreview(request));
            }
            return new Deferrable.Now(answer(id, decision));
        }
        String key = retryKey.get();
        return switch (holds.lookUp(decision, key)) {
            case Deferral.Redeemed redeemed -> {
                Decision allowed = new Decision(new Verdict.Allow(hold.rule()), decision.matches());
                long id = record(text, parameters, request.commands(), allowed);
                holds.executed(redeemed.request(), id);
                yield new Deferrable.Now(answer(id, allowed));
            }
            case Deferral.Rejected rejected -> {
                Decision refused = new Decision(new Verdict.Deny("", rejected.reason()), decision.matches());
                yield new Deferrable.Now(answer(record(text, parameters, request.commands(), refused), refused));
            }
            case Deferral.Pending pending -> new Deferrable.Accepted(record(text, parameters, request.commands(),
                    decision), pending.request().id(), pending.request().expires(),
                    holds.acceptedNotice(pending.request()));
            case Deferral.None none -> {
                long id = record(text, parameters, request.commands(), decision);
                try {
                    ApprovalRequest made = holds.defer(id, decision, text, List.<Command>copyOf(request.commands()),
                            key, maskedPreview(request));
                    yield new Deferrable.Accepted(id, made.id(), made.expires(), holds.acceptedNotice(made));
                } catch (ApprovalException e) {
                    // Fail closed: a hold that cannot be recorded as a request is a refusal.
                    LOG.error("session {}: cannot record an approval request; refusing", context().session(), e);
                    yield new Deferrable.Now(answer(id, denied("the approval store is unavailable; request "
                            + "refused")));
                }
            }
        };
    }

    /**
     * Judges a command that is only being prepared (PostgreSQL's Parse: nothing runs yet; it is submitted when it
     * runs): a refusal is recorded and returned, anything else is not recorded. A hold is not a refusal here.
     */
    public Optional<Submission.Refuse> screen(CommandRequest request) {
        Decision decision = request.refusal().isPresent() ? denied(request.refusal().get())
                : judge(request.commands());
        if (!(decision.verdict() instanceof Verdict.Deny)) {
            return Optional.empty();
        }
        return Optional.of(refuse(request, decision));
    }

    /**
     * Records a refusal decided with {@link #judge} by the protocol's own rule about when a verdict cannot stand (a
     * startup setting that is held cannot wait for an approval); durable on return.
     */
    public Submission.Refuse refuse(CommandRequest request, Decision decision) {
        long id = record(maskedText(request.text()), maskedParameters(request.parameters()), request.commands(),
                decision);
        return (Submission.Refuse) answer(id, decision.verdict() instanceof Verdict.Deny ? decision
                : denied(message(decision.verdict())));
    }

    /**
     * The outcome of a forwarded command, with how many values each masking rule replaced in its result
     * ({@code rule/what} → count; never the values). It already ran, so a failure to record it is only logged.
     */
    public void completed(long commandId, CommandOutcome outcome, Duration duration, Map<String, Long> masked) {
        try {
            audit.appendLater(new AuditEvent.CommandCompleted(clock.instant(), context(), commandId, outcome.tag(),
                    outcome.rows(), outcome.state(), outcome.error(), duration, masked));
        } catch (RuntimeException e) {
            LOG.error("session {}: could not record the outcome of command {}", context().session(), commandId, e);
        }
        start.recorder().onResult(commandId, outcome, duration);
    }

    public void completed(long commandId, CommandOutcome outcome, Duration duration) {
        completed(commandId, outcome, duration, Map.of());
    }

    /** Counts bytes the client sent (for the live-session registry and {@code session.end}). */
    public void countFromClient(long bytes) {
        fromClient.addAndGet(bytes);
    }

    /** Counts bytes sent to the client. */
    public void countToClient(long bytes) {
        toClient.addAndGet(bytes);
    }

    /**
     * Sets how the protocol ends this session from outside, and starts watching for the end of the access grant and
     * of the token (at its {@code exp} plus the issuer's {@code session-grace}: a session never outlives the
     * credential it was opened with). A session that was already ended from outside (a drain raced its start) is
     * told at once.
     */
    public void onTerminate(SessionTerminator terminator) {
        terminatorLock.lock();
        try {
            this.terminator = terminator;
            this.expiryWatch = watchExpiry();
        } finally {
            terminatorLock.unlock();
        }
        if (!terminatedWith.isEmpty()) {
            terminator.terminate(terminatedWith);
        }
    }

    /** Ends the session from outside with {@code reason}: through the protocol's terminator. Idempotent enough. */
    public void terminate(String reason) {
        SessionTerminator current;
        terminatorLock.lock();
        try {
            if (ended.get() || !terminatedWith.isEmpty()) {
                return;
            }
            terminatedWith = reason;
            current = terminator;
        } finally {
            terminatorLock.unlock();
        }
        if (current != null) {
            current.terminate(reason);
        }
    }

    /** Why the session was ended from outside; empty while it was not. */
    public String terminatedWith() {
        return terminatedWith;
    }

    /**
     * The session is over: records its end (why, bytes each way, how long), closes the recording, leaves the
     * live-session registry and frees its slot. Only the first call counts.
     */
    public void end(String reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        terminatorLock.lock();
        try {
            closeQuietly(expiryWatch);
        } finally {
            terminatorLock.unlock();
        }
        String why = terminatedWith.isEmpty() ? reason : terminatedWith;
        try {
            start.recorder().onEnd();
            audit.appendLater(new AuditEvent.SessionEnded(clock.instant(), context(), fromClient.get(), toClient.get(),
                    Duration.between(started, clock.instant()), why));
        } catch (RuntimeException e) {
            LOG.error("session {}: could not record the session end", context().session(), e);
        } finally {
            service.unregister(this);
            releaseSlot.run();
        }
    }

    /** This session as the registry lists it. */
    public LiveSession live() {
        var principal = grant.principal();
        return new LiveSession(context().session().toString(), principal.subject(), principal.issuer(),
                principal.groups().stream().sorted().toList(),
                principal.actors().stream().map(a -> a.subject()).toList(), grant.connection().name(),
                start.protocol(), context().clientAddress(), started, fromClient.get(), toClient.get(),
                commands.get());
    }

    /** Judges commands with the policy in force now, without recording anything. Never throws: fails closed. */
    public Decision judge(List<? extends Command> commands) {
        if (commands.isEmpty()) {
            // an empty command runs nothing (PostgreSQL answers EmptyQueryResponse)
            return new Decision(new Verdict.Allow(""), List.of());
        }
        GatewayState current = state.get();
        Optional<ConnectionConfig> connection = current.config().connection(grant.connection().name());
        if (connection.isEmpty()) {
            // The connection was removed by a reload while this session was open: nothing may pass any more.
            return denied("the connection is no longer configured");
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

    /** Whether only the connection's {@code default: deny} refused: no rule matched, nothing failed. */
    public boolean deniedByDefaultOnly(Decision decision) {
        return decision.verdict() instanceof Verdict.Deny deny && deny.rule().isEmpty() && decision.matches().isEmpty()
                && state.get().config().connection(grant.connection().name())
                .map(ConnectionConfig::denyByDefault).orElse(false);
    }

    /** The words for a refusal: names the rule and the reason. */
    public static String message(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Allow allow -> "";
            case Verdict.Deny deny -> deny.rule().isEmpty()
                    ? "refused by Sluice: " + deny.reason()
                    : "denied by Sluice policy rule \"" + deny.rule() + "\": " + deny.reason();
            case Verdict.Hold hold -> "approval required by Sluice policy rule \""
                    + (hold.rule().isEmpty() ? "connection default" : hold.rule()) + "\": "
                    + hold.reason() + " (approvers: " + String.join(", ", hold.approvers())
                    + "); statement approval is not enabled on this gateway";
        };
    }

    private Submission answer(long id, Decision decision) {
        return decision.verdict() instanceof Verdict.Allow ? new Submission.Forward(id)
                : new Submission.Refuse(id, message(decision.verdict()));
    }

    private long record(String text, List<String> parameters, List<? extends Command> commands, Decision decision) {
        long id = this.commands.incrementAndGet();
        String kinds = commands.isEmpty() ? "EMPTY"
                : String.join(";", commands.stream().map(Command::kindsLabel).distinct().toList());
        Verdict verdict = decision.verdict();
        audit.writeAhead(new AuditEvent.CommandEvaluated(clock.instant(), context(), id, text, parameters, kinds,
                verdict.label(), ruleOf(verdict), reasonOf(verdict)));
        start.recorder().onCommand(id, text, parameters, verdict.label(), reasonOf(verdict));
        return id;
    }

    /**
     * The audit trail is masked for every caller (a caller exempt from a rule sees clear values; the record does
     * not), and bounded: a 60 MB text is recorded as its head, length and SHA-256 ({@link AuditText}).
     */
    private String maskedText(String text) {
        return AuditText.bounded(auditMasking.plan().maskText(text, auditMasking.tally), maxAuditedBytes);
    }

    /**
     * What approvers are shown of a held command, masked as its text is for the record (every rule of the
     * connection, whoever the caller) and by the built-in secret detectors ({@link AuditText#secretsMasked}), on
     * top of what the protocol masked by format. Fail closed: a preview that cannot be built is not shown.
     */
    private HeldPreview maskedPreview(CommandRequest request) {
        try {
            MaskingPlan plan = auditMasking.plan();
            return request.preview().get().masked(value -> AuditText.secretsMasked(plan.maskText(value,
                    auditMasking.tally)));
        } catch (RuntimeException e) {
            LOG.warn("session {}: no preview for a held command: {}", context().session(), e.toString());
            return new HeldPreview("", List.of(), List.of(), "", -1, false, "", "the preview could not be built");
        }
    }

    private List<String> maskedParameters(List<String> parameters) {
        if (parameters.isEmpty()) {
            return parameters;
        }
        MaskingPlan plan = auditMasking.plan();
        List<String> masked = plan.hasDetectors()
                ? parameters.stream().map(p -> plan.maskText(p, auditMasking.tally)).toList() : parameters;
        return AuditText.parameters(masked, maxAuditedBytes);
    }

    /** The connection's masking plan for the record (every rule, whoever the caller), rebuilt after a reload. */
    private final class AuditMasking {
        private final MaskTally tally = new MaskTally();
        private MaskingRules rules;
        private MaskingPlan plan = MaskingPlan.empty();

        MaskingPlan plan() {
            MaskingRules current = state.get().masking();
            if (current != rules) {
                plan = current.plan(grant.connection().name(), java.util.Set.of());
                rules = current;
            }
            return plan;
        }
    }

    private AutoCloseable watchExpiry() {
        AutoCloseable access = holds.watchAccess(() -> terminate("access grant to connection \""
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
                terminate("token expired at " + deadline.get().expires() + " (session grace "
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

    private static Decision denied(String reason) {
        return new Decision(new Verdict.Deny("", reason), List.of());
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            // only stops a watcher
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
