package dev.sluice.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The closed set of facts Sluice records. Separate from logs: an audit event is durable before the action it
 * describes goes ahead, and it never holds a secret (statement text and parameters are recorded after masking).
 * Stores serialise every variant; adding one is a change to the store's canonical encoding too.
 */
public sealed interface AuditEvent {

    Instant time();

    /** The stable name stored and queried, e.g. {@code session.start}. */
    String kind();

    /**
     * Names earlier versions stored for the same events: {@code statement} and {@code statement.result} became
     * {@code command} and {@code command.result} when the session flow became protocol-neutral. Stored rows keep
     * their names (the hash chain covers them); readers present and query them under the current ones.
     */
    Map<String, String> RENAMED_KINDS = Map.of("statement", "command", "statement.result", "command.result");

    /** The current name of a stored kind. */
    static String currentKind(String stored) {
        return RENAMED_KINDS.getOrDefault(stored, stored);
    }

    /** Every stored name of a kind: itself and its earlier names. */
    static java.util.List<String> storedKinds(String kind) {
        String current = currentKind(kind);
        java.util.List<String> result = new java.util.ArrayList<>(java.util.List.of(current));
        RENAMED_KINDS.forEach((old, now) -> {
            if (now.equals(current)) {
                result.add(old);
            }
        });
        return result;
    }

    /** Session-bound events carry their context; gateway-wide events (a config reload) do not. */
    default Optional<AuditContext> context() {
        return Optional.empty();
    }

    /**
     * A caller was authenticated and authorised for a connection; the upstream session is open. The claimed user
     * and application name are the caller's words, kept as {@link AuditText#callerString} (secrets masked, bounded).
     */
    record SessionStarted(Instant time, AuditContext ctx, String protocol, String claimedUser,
                          String applicationName) implements AuditEvent {
        public SessionStarted {
            claimedUser = claimedUser == null ? null : AuditText.callerString(claimedUser);
            applicationName = applicationName == null ? null : AuditText.callerString(applicationName);
        }

        public String kind() {
            return "session.start";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * A credential was refused (bad token, or none). {@code reason} never echoes the credential; the claimed user
     * (which a client may fill with a token) is kept as {@link AuditText#callerString}.
     */
    record AuthFailed(Instant time, AuditContext ctx, String protocol, String claimedUser, String reason)
            implements AuditEvent {
        public AuthFailed {
            claimedUser = claimedUser == null ? null : AuditText.callerString(claimedUser);
            reason = reason == null ? null : AuditText.callerString(reason);
        }

        public String kind() {
            return "auth.failure";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /** A verified principal asked for a connection it may not use, or one that does not exist. */
    record AccessDenied(Instant time, AuditContext ctx, String protocol, String reason) implements AuditEvent {
        public String kind() {
            return "access.denied";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * A statement (or other command) was judged. Durable before it is forwarded.
     *
     * @param statementId  sequence number within the session, shared with its {@link CommandCompleted}
     * @param text         the statement text after masking
     * @param parameters   bound parameter values after masking (extended protocol), else empty
     * @param commandKind  classification, one per distinct statement joined by {@code ;}, each its kinds joined by {@code +}
     *                     (primary first), e.g. {@code SELECT}, {@code UPDATE+INSERT}, {@code UNKNOWN}
     * @param verdict      {@code allow}, {@code deny}, {@code hold}
     * @param rule         the rule that decided, empty for the connection default
     * @param reason       why, in words, for a refusal; empty when allowed
     */
    record CommandEvaluated(Instant time, AuditContext ctx, long statementId, String text, List<String> parameters,
                              String commandKind, String verdict, String rule, String reason) implements AuditEvent {
        public CommandEvaluated {
            parameters = List.copyOf(parameters);
        }

        public String kind() {
            return "command";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * The outcome of a forwarded statement.
     *
     * @param rows     rows from the CommandComplete tag, -1 when the tag carries none or the statement failed
     * @param sqlState the error's SQLSTATE, empty on success
     * @param error    the error message (masked), empty on success
     * @param masked   how many values each masking rule replaced in the result, keyed {@code rule/detector} or
     *                 {@code rule/table.column}; never the values; empty when nothing was masked
     */
    record CommandCompleted(Instant time, AuditContext ctx, long statementId, String tag, long rows, String sqlState,
                              String error, Duration duration, Map<String, Long> masked) implements AuditEvent {
        public CommandCompleted {
            masked = Map.copyOf(masked);
            error = error == null ? null : AuditText.bounded(error, AuditText.DEFAULT_MAX_STATEMENT_BYTES);
        }

        /** An outcome with nothing masked. */
        public CommandCompleted(Instant time, AuditContext ctx, long statementId, String tag, long rows,
                                  String sqlState, String error, Duration duration) {
            this(time, ctx, statementId, tag, rows, sqlState, error, duration, Map.of());
        }

        public String kind() {
            return "command.result";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /** The session closed, for whatever reason. */
    record SessionEnded(Instant time, AuditContext ctx, long bytesFromClient, long bytesToClient, Duration duration,
                        String reason) implements AuditEvent {
        public String kind() {
            return "session.end";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * A statement was held, or access to a connection requested, until people approve it. Durable before the caller
     * is told it waits. For an access request {@code statementId} is -1 and the context's session is empty.
     *
     * @param requestKind {@code statement} or {@code access}
     */
    record ApprovalRequested(Instant time, AuditContext ctx, String approvalId, long statementId, String requestKind,
                             String rule, List<String> approvers, int approvalsRequired, Instant expires,
                             String justification) implements AuditEvent {
        public ApprovalRequested {
            approvers = List.copyOf(approvers);
            justification = justification == null ? null : AuditText.callerString(justification);
        }

        public String kind() {
            return "approval.request";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /** A notification about a request was delivered to {@code channel}, or given up on after {@code attempts}. */
    record ApprovalNotified(Instant time, AuditContext ctx, String approvalId, String channel, boolean delivered,
                            int attempts, String error) implements AuditEvent {
        public String kind() {
            return "approval.notify";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * An approver decided. The context is the requester's; the approver is named here.
     *
     * @param decision {@code approve} or {@code reject}
     * @param state    the request's state after this vote: {@code pending}, {@code approved}, {@code rejected}
     * @param approverIssuer the issuer of the approver's token: with {@code approver}, the approver's identity
     */
    record ApprovalDecided(Instant time, AuditContext ctx, String approvalId, long statementId, String approver,
                           String decision, String reason, String state, String approverIssuer)
            implements AuditEvent {
        /** A decision whose approver's issuer is not known. */
        public ApprovalDecided(Instant time, AuditContext ctx, String approvalId, long statementId, String approver,
                               String decision, String reason, String state) {
            this(time, ctx, approvalId, statementId, approver, decision, reason, state, "");
        }

        public String kind() {
            return "approval.decision";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * Someone who may not decide a request tried to: a party to it (its requester, under any case or issuer, or one
     * of its agents) or someone not named by its approvers. The context is the requester's.
     *
     * @param caller       the subject of the refused caller's token
     * @param callerIssuer the issuer of that token
     * @param decision     what they tried: {@code approve} or {@code reject}
     * @param reason       why they were refused
     */
    record ApprovalRefused(Instant time, AuditContext ctx, String approvalId, long statementId, String caller,
                           String callerIssuer, String decision, String reason) implements AuditEvent {
        public String kind() {
            return "approval.refused";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * What became of a request in its session: {@code executed} (approved and forwarded), {@code rejected},
     * {@code expired} or {@code withdrawn} (the client went away or cancelled). The kind is
     * {@code approval.<outcome>}.
     */
    record ApprovalClosed(Instant time, AuditContext ctx, String approvalId, long statementId, String outcome,
                          String detail) implements AuditEvent {
        public String kind() {
            return "approval." + outcome;
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * One piece of a session recording, chained like every other event (see {@code docs/recordings.md}).
     *
     * @param format  how {@code content} is encoded: {@code sql/v1} (one JSON object per statement) today;
     *                {@code asciicast/v2} for terminal sessions
     * @param index   the chunk's position in the session's recording (for {@code sql/v1}, the statement id)
     * @param content the chunk itself, in {@code format}; already masked and size-capped by the recorder
     */
    record RecordingChunk(Instant time, AuditContext ctx, String format, long index, String content)
            implements AuditEvent {
        public String kind() {
            return "recording";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * A person signed in to the web console ({@code accepted}), or a sign-in was refused: a response that did not
     * verify, was replayed, or came to another browser than the one that began it. The context's principal is the
     * person when known; {@code method} is {@code oidc} or {@code saml}; {@code reason} says why it was refused.
     */
    record PersonSignIn(Instant time, AuditContext ctx, String method, boolean accepted, String reason)
            implements AuditEvent {
        public String kind() {
            return "console.signin";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /**
     * A person's console session ended: {@code reason} is {@code signed-out} (the person signed out), or
     * {@code idp-logout} (the identity provider's single logout ended it). The context's principal is the person;
     * {@code method} is how they had signed in ({@code oidc} or {@code saml}).
     */
    record PersonSignOut(Instant time, AuditContext ctx, String method, String reason) implements AuditEvent {
        public String kind() {
            return "console.signout";
        }

        public Optional<AuditContext> context() {
            return Optional.of(ctx);
        }
    }

    /** A configuration or policy reload was attempted; {@code problems} lists why it was rejected. */
    record ConfigReloaded(Instant time, String source, boolean accepted, List<String> problems) implements AuditEvent {
        public ConfigReloaded {
            problems = List.copyOf(problems);
        }

        public String kind() {
            return "config.reload";
        }
    }
    /**
     * A relay's life at the gateway: {@code relay.enroll} (a join token gave it a certificate), {@code relay.connect}
     * and {@code relay.disconnect} (its long-lived connection; {@code detail} says why it ended, or why a connect was
     * refused, then {@code accepted} is false), {@code relay.revoke} (an operator revoked its certificate).
     */
    record RelayEvent(Instant time, String action, String relayId, String group, boolean accepted, String detail)
            implements AuditEvent {
        public static final java.util.List<String> ACTIONS = java.util.List.of("enroll", "connect", "disconnect",
                "revoke");

        public RelayEvent {
            if (!ACTIONS.contains(action)) {
                throw new IllegalArgumentException("unknown relay action " + action);
            }
        }

        public String kind() {
            return "relay." + action;
        }
    }
}
