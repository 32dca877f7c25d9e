package dev.sluice.core.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.approval.ApprovalException.Problem;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.policy.Action;

/**
 * One request for a human decision, and its state machine ({@link ApprovalState}). Immutable: every transition
 * returns a new value with {@code version + 1}, and stores replace a row only when the version they read is still
 * the stored one, so that two instances deciding at once cannot both win.
 *
 * @param id                 {@code ap-} and 16 hex digits
 * @param kind               a held statement, or time-bound access to a connection
 * @param requester          who asked: the verified principal of the session (its subject is the human an agent
 *                           acts for when delegated; {@code actors} names the agents)
 * @param session            the session holding the statement; empty for access requests
 * @param statementId        the statement's sequence number in its session; -1 for access requests
 * @param statement          the statement text as audited; empty for access requests
 * @param classification     the command kinds, e.g. {@code DELETE}
 * @param shape              the normalised statement ({@link StatementShape}), what session/duration scopes cover
 * @param rule               the require-approval rule that held it; empty for access requests
 * @param reason             why approval is needed, in words
 * @param approvers          who may decide: groups ({@code sre}, {@code group:sre}) and subjects
 *                           ({@code subject:ISSUER#SUB}), see {@link dev.sluice.core.identity.Approver}
 * @param approvalsRequired  distinct approvals needed
 * @param scope              what an approval covers
 * @param grantFor           how long a resulting grant lasts (access, or {@code duration} scope); zero otherwise
 * @param justification      the requester's justification (SQL comment, application name, or access reason)
 * @param note               why the request was closed without a vote (expired, client disconnected), or that
 *                           its approval was redeemed by the retry of a command answered {@code accepted}
 *                           ({@link #redeem}), else empty
 * @param preview            what approvers are shown of a held HTTP or Kubernetes request beyond its text (content
 *                           type, selected headers, the body masked); {@link HeldPreview#none()} otherwise
 */
public record ApprovalRequest(String id, ApprovalKind kind, ApprovalState state, long version, Principal requester,
                              String connection, String session, long statementId, String statement,
                              String classification, String shape, String rule, String reason, Set<String> approvers,
                              int approvalsRequired, Action.Scope scope, Duration grantFor, String justification,
                              Instant created, Instant expires, List<Vote> votes, String note,
                              HeldPreview preview) {
    public ApprovalRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(requester, "requester");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(classification, "classification");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(grantFor, "grantFor");
        Objects.requireNonNull(justification, "justification");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(note, "note");
        Objects.requireNonNull(preview, "preview");
        approvers = Set.copyOf(approvers);
        votes = List.copyOf(votes);
        if (approvalsRequired < 1) {
            throw new IllegalArgumentException("approvalsRequired must be at least 1");
        }
    }

    /** A request without a preview (access requests, and held commands of protocols that have none). */
    public ApprovalRequest(String id, ApprovalKind kind, ApprovalState state, long version, Principal requester,
                           String connection, String session, long statementId, String statement,
                           String classification, String shape, String rule, String reason, Set<String> approvers,
                           int approvalsRequired, Action.Scope scope, Duration grantFor, String justification,
                           Instant created, Instant expires, List<Vote> votes, String note) {
        this(id, kind, state, version, requester, connection, session, statementId, statement, classification, shape,
                rule, reason, approvers, approvalsRequired, scope, grantFor, justification, created, expires, votes,
                note, HeldPreview.none());
    }

    /**
     * Whether {@code person} is the requester, the human it acts for, or one of its agents (so may not decide).
     * Fail closed: subjects are compared ignoring case and ignoring the issuer, so {@code Alice} (or {@code alice}
     * of another issuer) is a party to {@code alice}'s request; an identity provider that lets users pick names
     * differing only in case, or a second trusted issuer, cannot turn a requester into its own approver.
     */
    public boolean involves(Principal person) {
        Set<String> parties = new HashSet<>();
        parties.add(fold(requester.subject()));
        requester.actors().forEach(a -> parties.add(fold(a.subject())));
        return parties.contains(fold(person.subject())) || person.actors().stream().anyMatch(a -> parties.contains(
                fold(a.subject())));
    }

    /**
     * Whether {@code person} is exactly the requester (same issuer and subject) or one of its agents (an actor of
     * the same issuer with that subject): who may see the request as its party. Exact, unlike {@link #involves}.
     */
    public boolean madeBy(Principal person) {
        if (!person.issuer().equals(requester.issuer())) {
            return false;
        }
        return person.subject().equals(requester.subject())
                || requester.actors().stream().anyMatch(a -> a.subject().equals(person.subject()));
    }

    /**
     * Whether {@code person} is named by the approvers ({@link dev.sluice.core.identity.Approver}): a bare name or
     * {@code group:NAME} by its groups only, {@code subject:ISSUER#SUB} by its exact issuer and subject. A subject
     * that equals a group's name is not that group.
     */
    public boolean approvableBy(Principal person) {
        return approvers.stream().anyMatch(entry -> dev.sluice.core.identity.Approver.names(entry, person));
    }

    /**
     * Whether {@code person} may see this request (its statement text included): those who may decide it and the
     * parties it concerns, by their exact identity (issuer and subject); to everyone else it does not exist. The one
     * rule for the REST API and the console. ({@link #involves}, which folds case and ignores the issuer, is for
     * refusing votes: used here it would show {@code alice}'s requests to {@code Alice}.)
     */
    public boolean visibleTo(Principal person) {
        return approvableBy(person) || madeBy(person);
    }

    /** How subjects are compared where a match restricts (parties, one vote each): case folded, fail closed. */
    static String fold(String subject) {
        return subject.strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** Pending, but past its expiry at {@code now}. */
    public boolean expiredAt(Instant now) {
        return state == ApprovalState.PENDING && !now.isBefore(expires);
    }

    /** Distinct approvals cast so far. */
    public long approvals() {
        return votes.stream().filter(Vote::approve).map(v -> fold(v.approver())).distinct().count();
    }

    /** The vote that rejected the request, if one did. */
    public Optional<Vote> rejection() {
        return votes.stream().filter(v -> !v.approve()).findFirst();
    }

    /**
     * Casts {@code vote} by {@code voter}: a rejection decides at once, approvals decide when
     * {@code approvalsRequired} distinct approvers agreed.
     *
     * @throws ApprovalException FORBIDDEN for a party to the request or a non-approver, CONFLICT when the request is
     *                           no longer pending (or expired at {@code now}) or the voter already voted
     */
    public ApprovalRequest vote(Principal voter, Vote vote, Instant now) {
        if (state != ApprovalState.PENDING) {
            throw new ApprovalException(Problem.CONFLICT, "request " + id + " is already " + state.label());
        }
        if (expiredAt(now)) {
            throw new ApprovalException(Problem.CONFLICT, "request " + id + " has expired");
        }
        if (involves(voter)) {
            throw new ApprovalException(Problem.FORBIDDEN, voter.subject() + " may not decide request " + id
                    + ": it was made by them or on their behalf");
        }
        if (!approvableBy(voter)) {
            throw new ApprovalException(Problem.FORBIDDEN, voter.subject() + " is not an approver of request " + id
                    + " (approvers: " + String.join(", ", approvers.stream().sorted().toList()) + ")");
        }
        if (votes.stream().anyMatch(v -> fold(v.approver()).equals(fold(voter.subject())))) {
            throw new ApprovalException(Problem.CONFLICT, voter.subject() + " already decided on request " + id);
        }
        List<Vote> all = new ArrayList<>(votes);
        all.add(vote);
        long approvals = all.stream().filter(Vote::approve).map(v -> fold(v.approver())).distinct().count();
        ApprovalState next = !vote.approve() ? ApprovalState.REJECTED
                : approvals >= approvalsRequired ? ApprovalState.APPROVED : ApprovalState.PENDING;
        return with(next, all, note);
    }

    /** Closes a pending request without a vote: {@link ApprovalState#EXPIRED} or {@link ApprovalState#WITHDRAWN}. */
    public ApprovalRequest close(ApprovalState closed, String why) {
        if (state != ApprovalState.PENDING) {
            throw new ApprovalException(Problem.CONFLICT, "request " + id + " is already " + state.label());
        }
        if (closed != ApprovalState.EXPIRED && closed != ApprovalState.WITHDRAWN) {
            throw new IllegalArgumentException("a request closes as expired or withdrawn, not " + closed);
        }
        return with(closed, votes, why);
    }

    /**
     * When the request was approved: the time of the vote that decided it; empty unless {@link ApprovalState#APPROVED}.
     */
    public Optional<Instant> approvedAt() {
        if (state != ApprovalState.APPROVED) {
            return Optional.empty();
        }
        return votes.stream().filter(Vote::approve).map(Vote::time).max(Instant::compareTo);
    }

    /** Whether an approved request of a command answered {@code accepted} was already used by its retry. */
    public boolean redeemed() {
        return note.startsWith(REDEEMED);
    }

    /**
     * Marks an approved request as used by the retry of its command ({@code how} says which command, in which
     * session): an approval for a command answered {@code accepted} runs it once. Stores replace the row only when
     * the version they read is still the stored one, so two retries at once cannot both redeem it.
     *
     * @throws ApprovalException CONFLICT unless approved and not yet redeemed
     */
    public ApprovalRequest redeem(String how) {
        if (state != ApprovalState.APPROVED || redeemed()) {
            throw new ApprovalException(Problem.CONFLICT, "request " + id + " is "
                    + (redeemed() ? "already redeemed" : state.label()));
        }
        return with(state, votes, REDEEMED + how);
    }

    /** The {@code note} prefix of a redeemed request. */
    static final String REDEEMED = "redeemed: ";

    private ApprovalRequest with(ApprovalState nextState, List<Vote> nextVotes, String nextNote) {
        return new ApprovalRequest(id, kind, nextState, version + 1, requester, connection, session, statementId,
                statement, classification, shape, rule, reason, approvers, approvalsRequired, scope, grantFor,
                justification, created, expires, nextVotes, nextNote, preview);
    }
}
