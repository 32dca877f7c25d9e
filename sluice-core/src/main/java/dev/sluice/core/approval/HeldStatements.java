package dev.sluice.core.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditText;
import dev.sluice.core.policy.Action;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.Verdict;

/**
 * The approval side of one session (see {@link SessionHolds}). The wait polls the store every
 * {@link ApprovalSettings#pollInterval()} (a decision through another instance sharing the store is seen within it)
 * and wakes at once on a decision taken through this instance. Used from the session's client-to-upstream thread;
 * the access watch runs on its own virtual thread.
 */
final class HeldStatements implements SessionHolds {
    private static final Logger LOG = LoggerFactory.getLogger(HeldStatements.class);
    static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(5);

    private final Approvals approvals;
    private final TargetGrant grant;
    private final Supplier<GatewayState> state;
    /** Shapes approved with scope {@code session}: pre-approved for the rest of this session. */
    private final Set<String> sessionShapes = ConcurrentHashMap.newKeySet();
    private volatile String applicationName = "";

    HeldStatements(Approvals approvals, TargetGrant grant, Supplier<GatewayState> state) {
        this.approvals = approvals;
        this.grant = grant;
        this.state = state;
    }

    @Override
    public void applicationName(String name) {
        applicationName = name;
    }

    @Override
    public Decision resolve(Decision decision, String text) {
        if (!(decision.verdict() instanceof Verdict.Hold hold)) {
            return decision;
        }
        String shape = StatementShape.of(text);
        if (sessionShapes.contains(shape) || approvals.grantUntil(grant.principal(),
                grant.connection().name(), shape).isPresent()) {
            return new Decision(new Verdict.Allow(hold.rule()), decision.matches());
        }
        return decision;
    }

    @Override
    public Decision await(long statementId, Decision held, String text, List<Command> commands, HoldWatch watch,
                          HeldPreview preview) {
        if (!(held.verdict() instanceof Verdict.Hold)) {
            return held;
        }
        ApprovalRequest request = newRequest(statementId, held, text, commands, StatementShape.of(text), preview);
        try {
            approvals.submit(request, grant.context());
        } catch (ApprovalException e) {
            LOG.error("session {}: cannot record an approval request; refusing", grant.context().session(), e);
            return deny(held, "the approval store is unavailable; statement refused");
        }
        watch.waiting(notice(request));
        return wait(request, held, watch);
    }

    private ApprovalRequest newRequest(long statementId, Decision held, String text, List<Command> commands,
                                       String shape, HeldPreview preview) {
        Verdict.Hold hold = (Verdict.Hold) held.verdict();
        Action.RequireApproval terms = terms(held);
        Instant now = approvals.clock().instant();
        String kinds = String.join(";", commands.stream().map(Command::kind).distinct().toList());
        return new ApprovalRequest(Approvals.newId("ap-"), ApprovalKind.STATEMENT,
                ApprovalState.PENDING, 0, grant.principal(), grant.connection().name(),
                grant.context().session().value(), statementId,
                AuditText.bounded(text, state.get().maxAuditedBytes()), kinds,
                shape, hold.rule(), hold.reason(), terms.approvers(), terms.approvalsRequired(),
                terms.scope(), terms.scope() == Action.Scope.DURATION ? terms.expires() : Duration.ZERO,
                AuditText.callerString(StatementShape.justification(text).orElse(applicationName)), now,
                now.plus(terms.expires()),
                List.of(), "", preview);
    }

    @Override
    public boolean answersAccepted(Decision held) {
        return held.verdict() instanceof Verdict.Hold && terms(held).respond() == Action.Respond.ACCEPTED;
    }

    @Override
    public Deferral lookUp(Decision held, String retryKey) {
        String shape = retryShape(retryKey);
        Instant now = approvals.clock().instant();
        List<AccessGrant> rows;
        try {
            rows = approvals.indexed(grant.principal(), grant.connection().name(), shape);
        } catch (RuntimeException e) {
            LOG.warn("session {}: cannot read earlier approval requests: {}", grant.context().session(),
                    e.getMessage());
            return new Deferral.None(); // a new request is made: nothing runs unapproved
        }
        for (AccessGrant row : rows) {
            Optional<ApprovalRequest> found;
            try {
                found = approvals.find(row.approvalId());
            } catch (RuntimeException e) {
                continue;
            }
            if (found.isEmpty() || !sameCommand(found.get(), shape) || !coversTerms(found.get(), held)) {
                continue;
            }
            ApprovalRequest request = found.get();
            switch (request.state()) {
                case PENDING -> {
                    return new Deferral.Pending(request);
                }
                case REJECTED -> {
                    Vote no = request.rejection().orElseThrow();
                    return new Deferral.Rejected(request, "approval " + request.id() + " was rejected by "
                            + no.approver() + (no.reason().isEmpty() ? "" : ": " + no.reason()));
                }
                case APPROVED -> {
                    Duration window = Duration.between(request.created(), request.expires());
                    boolean fresh = request.approvedAt().map(at -> now.isBefore(at.plus(window))).orElse(false);
                    if (!request.redeemed() && fresh && redeem(request)) {
                        return new Deferral.Redeemed(request);
                    }
                }
                case EXPIRED, WITHDRAWN -> { }
            }
        }
        return new Deferral.None();
    }

    private boolean redeem(ApprovalRequest approved) {
        try {
            return approvals.redeem(approved, "by session " + grant.context().session() + " at "
                    + approvals.clock().instant());
        } catch (RuntimeException e) {
            // Fail closed: an approval that cannot be marked used is not used.
            LOG.warn("approval {}: cannot mark it redeemed: {}", approved.id(), e.getMessage());
            return false;
        }
    }

    /**
     * The request was made under the terms that hold the command now: the same rule, at least as many approvals, and
     * no approver it lacks. A rule made stricter since (more approvals, other approvers) needs a new request.
     */
    private boolean coversTerms(ApprovalRequest request, Decision held) {
        Action.RequireApproval now = terms(held);
        return request.rule().equals(((Verdict.Hold) held.verdict()).rule())
                && request.approvalsRequired() >= now.approvalsRequired()
                && request.approvers().containsAll(now.approvers()) && now.approvers().containsAll(request.approvers());
    }

    /** The request is this identity's, on this connection, for this exact command (the index is only a hint). */
    private boolean sameCommand(ApprovalRequest request, String shape) {
        var requester = request.requester();
        var caller = grant.principal();
        return request.kind() == ApprovalKind.STATEMENT && request.shape().equals(shape)
                && request.connection().equals(grant.connection().name())
                && requester.issuer().equals(caller.issuer()) && requester.subject().equals(caller.subject())
                && actors(requester).equals(actors(caller));
    }

    @Override
    public ApprovalRequest defer(long statementId, Decision held, String text, List<Command> commands,
                                 String retryKey, HeldPreview preview) {
        String shape = retryShape(retryKey);
        ApprovalRequest request = newRequest(statementId, held, text, commands, shape, preview);
        Duration window = Duration.between(request.created(), request.expires());
        try {
            // the index row outlives the request by its redemption window: an approval near the expiry stays usable
            approvals.index(new AccessGrant(Approvals.newId("gr-"), request.id(), grant.principal().issuer(),
                    grant.principal().subject(), grant.connection().name(), shape, request.created(),
                    request.expires().plus(window)));
            return approvals.submit(request, grant.context());
        } catch (ApprovalException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ApprovalException(ApprovalException.Problem.UNAVAILABLE, "cannot record the approval request",
                    e);
        }
    }

    @Override
    public void executed(ApprovalRequest redeemed, long statementId) {
        Instant now = approvals.clock().instant();
        approvals.record(new AuditEvent.ApprovalClosed(now, grant.context(), redeemed.id(), statementId, "executed",
                ""));
        switch (redeemed.scope()) {
            case SESSION -> sessionShapes.add(StatementShape.of(redeemed.statement()));
            case DURATION -> {
                try {
                    approvals.grant(redeemed, StatementShape.of(redeemed.statement()), now);
                } catch (RuntimeException e) {
                    LOG.warn("approval {}: cannot record its duration grant: {}", redeemed.id(), e.getMessage());
                }
            }
            case ONCE -> { }
        }
    }

    @Override
    public String acceptedNotice(ApprovalRequest request) {
        ApprovalLinks links = approvals.links(request.id());
        return "Sluice accepted this request for approval: " + request.reason() + ". Request " + request.id()
                + " needs " + request.approvalsRequired() + " approval(s) from "
                + String.join(", ", request.approvers().stream().sorted().toList()) + " before " + request.expires()
                + "; send the identical request again once it is approved (it then runs once, within "
                + Duration.between(request.created(), request.expires()).toSeconds()
                + "s of the approval). Approve with: POST " + links.approve() + " or: " + links.approveCommand();
    }

    /**
     * The index key of a command answered {@code accepted}: a digest of the identity (issuer, subject, actor chain),
     * the connection and the protocol's retry key. {@code #} never occurs in a {@link StatementShape} of the texts
     * protocols audit for these connections, so it cannot be taken for a duration grant's shape.
     */
    private String retryShape(String retryKey) {
        var principal = grant.principal();
        String identity = String.join("\u0000", principal.issuer(), principal.subject(),
                String.join(",", actors(principal)), grant.connection().name(), retryKey);
        try {
            return "retry#" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(identity.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> actors(dev.sluice.core.identity.Principal principal) {
        return principal.actors().stream().map(a -> a.subject() + "/" + a.clientId()).toList();
    }

    private Action.RequireApproval terms(Decision held) {
        Verdict.Hold hold = (Verdict.Hold) held.verdict();
        return state.get().policies().approvalTerms(held)
                .orElse(new Action.RequireApproval(hold.approvers(), 1, DEFAULT_EXPIRY, Action.Scope.ONCE));
    }

    private Decision wait(ApprovalRequest request, Decision held, HoldWatch watch) {
        ApprovalRequest current = request;
        while (true) {
            Optional<String> gone = watch.abandoned();
            current = reload(current);
            Instant now = approvals.clock().instant();
            if (current.state() == ApprovalState.PENDING && (gone.isPresent() || current.expiredAt(now))) {
                current = gone.isPresent() ? approvals.close(current, ApprovalState.WITHDRAWN, gone.get())
                        : approvals.close(current, ApprovalState.EXPIRED, "no decision within "
                        + Duration.between(current.created(), current.expires()));
            }
            switch (current.state()) {
                case PENDING -> {
                    try {
                        approvals.awaitChange(approvals.settings().pollInterval());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        approvals.close(current, ApprovalState.WITHDRAWN, "interrupted");
                        return closed(current, held, "withdrawn", "statement withdrawn: Sluice is stopping");
                    }
                }
                case APPROVED -> {
                    if (gone.isPresent()) { // approved too late: nobody is left to receive the result
                        return closed(current, held, "withdrawn", "statement withdrawn: " + gone.get());
                    }
                    remember(current, now);
                    closed(current, held, "executed", "");
                    return new Decision(new Verdict.Allow(current.rule()), held.matches());
                }
                case REJECTED -> {
                    Vote no = current.rejection().orElseThrow();
                    return closed(current, held, "rejected", "approval " + current.id() + " was rejected by "
                            + no.approver() + (no.reason().isEmpty() ? "" : ": " + no.reason()));
                }
                case EXPIRED -> {
                    return closed(current, held, "expired", "approval " + current.id() + " expired without a "
                            + "decision (" + current.approvals() + " of " + current.approvalsRequired()
                            + " approvals)");
                }
                case WITHDRAWN -> {
                    return closed(current, held, "withdrawn", "statement withdrawn: " + current.note());
                }
            }
        }
    }

    private ApprovalRequest reload(ApprovalRequest current) {
        try {
            return approvals.reload(current.id()).orElse(current);
        } catch (RuntimeException e) {
            // Keep waiting on what we know: the request still expires, so a lost store fails closed in time.
            LOG.warn("approval {}: cannot read the store: {}", current.id(), e.getMessage());
            return current;
        }
    }

    private void remember(ApprovalRequest approved, Instant now) {
        switch (approved.scope()) {
            case SESSION -> sessionShapes.add(approved.shape());
            case DURATION -> {
                try {
                    approvals.grant(approved, approved.shape(), now);
                } catch (RuntimeException e) {
                    LOG.warn("approval {}: cannot record its duration grant: {}", approved.id(), e.getMessage());
                }
            }
            case ONCE -> { }
        }
    }

    private Decision closed(ApprovalRequest request, Decision held, String outcome, String reason) {
        approvals.record(new AuditEvent.ApprovalClosed(approvals.clock().instant(), grant.context(), request.id(),
                request.statementId(), outcome, reason));
        return reason.isEmpty() ? held : deny(held, reason);
    }

    private static Decision deny(Decision held, String reason) {
        return new Decision(new Verdict.Deny("", reason), held.matches());
    }

    private String notice(ApprovalRequest request) {
        ApprovalLinks links = approvals.links(request.id());
        return "Sluice is holding this statement until it is approved: " + request.reason() + ". Request "
                + request.id() + " needs " + request.approvalsRequired() + " approval(s) from "
                + String.join(", ", request.approvers().stream().sorted().toList()) + " before "
                + request.expires() + ". Approve with: POST " + links.approve() + " or: " + links.approveCommand();
    }

    @Override
    public AutoCloseable watchAccess(Runnable end) {
        Optional<Instant> until = grant.accessUntil();
        if (until.isEmpty()) {
            return () -> { };
        }
        Thread watcher = Thread.ofVirtual().name("sluice-grant-" + grant.context().session()).start(() -> {
            Instant deadline = until.get();
            try {
                while (true) {
                    Duration left = Duration.between(approvals.clock().instant(), deadline);
                    if (left.isPositive()) {
                        Thread.sleep(left);
                    }
                    Optional<Instant> later = approvals.activeUntil(grant.principal(), grant.connection().name());
                    if (later.isPresent() && later.get().isAfter(deadline)) {
                        deadline = later.get();
                        continue;
                    }
                    if (approvals.settings().endSessionsOnExpiry()) {
                        end.run();
                    }
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return watcher::interrupt;
    }
}
