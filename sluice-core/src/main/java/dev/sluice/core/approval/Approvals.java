package dev.sluice.core.approval;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.approval.ApprovalException.Problem;
import dev.sluice.core.audit.AuditContext;
import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.SessionId;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.policy.Action;

/**
 * Just-in-time approvals, written once for every protocol: held statements ({@link #session}), decisions
 * ({@link #decide}), access requests ({@link #requestAccess}) and the grants they leave ({@link AccessGrants}).
 *
 * <p>State lives in the {@link ApprovalStore}, so several instances sharing a store share requests: a held statement
 * re-reads its request every poll interval, and a decision taken here also wakes local waiters at once. Every
 * transition is a compare-and-set on the request's version. Thread-safe.
 */
public final class Approvals implements ApprovalGate, AccessGrants {
    private static final Logger LOG = LoggerFactory.getLogger(Approvals.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_ATTEMPTS = 8;
    static final int MAX_REASON = 1000;

    private final ApprovalStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final Supplier<GatewayState> state;
    private final Supplier<ApprovalSettings> settings;
    private final Supplier<URI> publicUrl;
    private final Notifications notifications = new Notifications();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    public Approvals(ApprovalStore store, AuditLog audit, Clock clock, Supplier<GatewayState> state,
                     Supplier<ApprovalSettings> settings, Supplier<URI> publicUrl) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.state = state;
        this.settings = settings;
        this.publicUrl = publicUrl;
    }

    @Override
    public SessionHolds session(TargetGrant grant, Supplier<GatewayState> sessionState) {
        return new HeldStatements(this, grant, sessionState);
    }

    public Optional<ApprovalRequest> find(String id) {
        return store.find(id).map(this::expireIfDue);
    }

    /** Requests in {@code filter} (all when empty), newest first; pending ones past expiry are closed first. */
    public List<ApprovalRequest> list(Optional<ApprovalState> filter, int limit) {
        List<ApprovalRequest> result = store.list(filter, limit).stream().map(this::expireIfDue).toList();
        return filter.map(s -> result.stream().filter(r -> r.state() == s).toList()).orElse(result);
    }

    public ApprovalLinks links(String id) {
        return ApprovalLinks.of(publicUrl.get(), id);
    }

    /**
     * Casts a vote. Returns the request after it.
     *
     * @throws ApprovalException NOT_FOUND, FORBIDDEN (a party to the request, or not an approver), CONFLICT (already
     *                           decided, expired, or already voted)
     */
    public ApprovalRequest decide(String id, Principal approver, boolean approve, String reason) {
        String why = bounded(reason);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ApprovalRequest current = store.find(id).orElseThrow(() -> new ApprovalException(Problem.NOT_FOUND,
                    "no approval request " + id));
            Instant now = clock.instant();
            if (current.expiredAt(now)) {
                expireIfDue(current);
                throw new ApprovalException(Problem.CONFLICT, "request " + id + " has expired");
            }
            ApprovalRequest next;
            try {
                next = current.vote(approver, new Vote(approver.subject(), approver.displayName(), approve, why, now,
                        approver.issuer()), now);
            } catch (ApprovalException refused) {
                if (refused.problem() == Problem.FORBIDDEN) {
                    // A party or a non-approver tried to decide: the attempt is evidence, so it is on the trail.
                    record(new AuditEvent.ApprovalRefused(now, context(current), id, current.statementId(),
                            approver.subject(), approver.issuer(), approve ? "approve" : "reject",
                            refused.getMessage()));
                }
                throw refused;
            }
            if (!store.update(next)) {
                continue;
            }
            record(new AuditEvent.ApprovalDecided(now, context(next), id, next.statementId(), approver.subject(),
                    approve ? "approve" : "reject", why, next.state().label(), approver.issuer()));
            if (next.state() == ApprovalState.APPROVED && next.kind() == ApprovalKind.ACCESS) {
                store.addGrant(new AccessGrant(newId("gr-"), id, next.requester().issuer(),
                        next.requester().subject(), next.connection(), "",
                        now, now.plus(next.grantFor())));
            }
            signal();
            return next;
        }
        throw new ApprovalException(Problem.CONFLICT, "request " + id + " is being decided concurrently; retry");
    }

    /**
     * Asks for access to {@code connection} for {@code duration}, decided by {@code approvals.access.approvers}.
     *
     * @throws ApprovalException INVALID for an unknown connection, a duration out of bounds, a missing reason, or no
     *                           configured approvers
     */
    public ApprovalRequest requestAccess(Principal requester, String connection, Duration duration, String reason,
                                         String clientAddress) {
        ApprovalSettings current = settings.get();
        if (state.get().config().connection(connection).isEmpty()) {
            throw new ApprovalException(Problem.INVALID, "no such connection: " + connection);
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(current.maxAccess()) > 0) {
            throw new ApprovalException(Problem.INVALID, "duration must be positive and at most "
                    + current.maxAccess());
        }
        if (reason.isBlank()) {
            throw new ApprovalException(Problem.INVALID, "a reason is required");
        }
        if (current.accessApprovers().isEmpty()) {
            throw new ApprovalException(Problem.INVALID, "access requests are not enabled: no approvers configured "
                    + "(approvals.access.approvers)");
        }
        Instant now = clock.instant();
        ApprovalRequest request = new ApprovalRequest(newId("ap-"), ApprovalKind.ACCESS, ApprovalState.PENDING, 0,
                requester, connection, "", -1, "", "ACCESS", "", "access-request",
                "access to connection " + connection + " for " + duration, current.accessApprovers(),
                current.accessApprovals(), Action.Scope.DURATION, duration, bounded(reason), now,
                now.plus(current.accessExpires()), List.of(), "");
        return submit(request, new AuditContext(new SessionId(""), Optional.of(requester), connection,
                clientAddress));
    }

    /** Stores, audits (durably) and announces a new request. */
    ApprovalRequest submit(ApprovalRequest request, AuditContext ctx) {
        store.create(request);
        audit.append(new AuditEvent.ApprovalRequested(request.created(), ctx, request.id(), request.statementId(),
                request.kind().label(), request.rule(), request.approvers().stream().sorted().toList(),
                request.approvalsRequired(), request.expires(), request.justification()));
        notifications.announce(settings.get().notifyTargets(), request, links(request.id()),
                (r, channel, delivered, attempts, error) -> record(new AuditEvent.ApprovalNotified(clock.instant(),
                        ctx, r.id(), channel, delivered, attempts, error)));
        return request;
    }

    @Override
    public boolean required(String connection) {
        return settings.get().requiresGrant(connection);
    }

    @Override
    public Optional<Instant> activeUntil(Principal principal, String connection) {
        return grantUntil(principal, connection, "");
    }

    /** When the grants of {@code principal}'s identity (issuer and subject) on {@code connection} end. */
    Optional<Instant> grantUntil(Principal principal, String connection, String shape) {
        try {
            return store.activeGrants(principal.issuer(), principal.subject(), connection, shape, clock.instant()).stream().map(AccessGrant::until)
                    .max(Comparator.naturalOrder());
        } catch (RuntimeException e) {
            LOG.error("cannot read access grants; refusing", e); // fail closed: no grant known means no access
            return Optional.empty();
        }
    }

    /** Closes {@code request} as {@code closed} unless it already left PENDING; returns what is stored then. */
    ApprovalRequest close(ApprovalRequest request, ApprovalState closed, String why) {
        ApprovalRequest current = request;
        for (int attempt = 0; attempt < MAX_ATTEMPTS && current.state() == ApprovalState.PENDING; attempt++) {
            ApprovalRequest next = current.close(closed, why);
            if (store.update(next)) {
                signal();
                return next;
            }
            current = store.find(request.id()).orElse(current);
        }
        return current;
    }

    private ApprovalRequest expireIfDue(ApprovalRequest request) {
        if (!request.expiredAt(clock.instant())) {
            return request;
        }
        ApprovalRequest result = close(request, ApprovalState.EXPIRED, "no decision before " + request.expires());
        if (result.state() == ApprovalState.EXPIRED && result.kind() == ApprovalKind.ACCESS) {
            record(new AuditEvent.ApprovalClosed(clock.instant(), context(result), result.id(), -1, "expired",
                    result.note()));
        }
        return result;
    }

    void grant(ApprovalRequest approved, String shape, Instant now) {
        store.addGrant(new AccessGrant(newId("gr-"), approved.id(), approved.requester().issuer(),
                approved.requester().subject(),
                approved.connection(), shape, now, now.plus(approved.grantFor())));
    }

    /** The index rows of requests for commands answered {@code accepted}, by their retry shape. */
    List<AccessGrant> indexed(Principal principal, String connection, String shape) {
        return store.activeGrants(principal.issuer(), principal.subject(), connection, shape, clock.instant());
    }

    /** Adds an index row (or any grant). */
    void index(AccessGrant row) {
        store.addGrant(row);
    }

    /** Marks {@code approved} redeemed; false when another instance or retry got there first. */
    boolean redeem(ApprovalRequest approved, String how) {
        boolean result = store.update(approved.redeem(how));
        if (result) {
            signal();
        }
        return result;
    }

    Optional<ApprovalRequest> reload(String id) {
        return store.find(id);
    }

    /** Waits until a local decision signals, or {@code max} passes. */
    void awaitChange(Duration max) throws InterruptedException {
        lock.lock();
        try {
            changed.await(max.toNanos(), TimeUnit.NANOSECONDS);
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void record(AuditEvent event) {
        try {
            audit.appendLater(event);
        } catch (RuntimeException e) {
            LOG.error("could not record {}", event.kind(), e);
        }
    }

    AuditLog audit() {
        return audit;
    }

    Clock clock() {
        return clock;
    }

    ApprovalSettings settings() {
        return settings.get();
    }

    static AuditContext context(ApprovalRequest request) {
        return new AuditContext(new SessionId(request.session()), Optional.of(request.requester()),
                request.connection(), "");
    }

    static String newId(String prefix) {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }

    private static String bounded(String text) {
        String stripped = text.strip();
        return stripped.length() > MAX_REASON ? stripped.substring(0, MAX_REASON) : stripped;
    }
}
