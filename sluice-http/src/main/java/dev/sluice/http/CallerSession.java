package dev.sluice.http;

import java.time.Duration;
import java.util.Map;

import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.masking.MaskingPlan;

/**
 * One caller (token) on one connection over one client connection: a core session. Every request is submitted to it
 * before anything is forwarded, and its outcome reported after. Used by the client connection's thread; {@link #end}
 * may also come from the core (expiry, drain, kill) through the terminator.
 */
interface CallerSession {
    String connection();

    /** SHA-256 of the token the session was opened with: a request with another token opens another session. */
    String tokenDigest();

    Principal principal();

    HttpTarget target();

    /** The masking rules in force for this caller and connection, now. */
    MaskingPlan masking();

    /**
     * The masking rules of the connection whoever the caller (an exempt caller's too): what the record and approvers
     * see is masked with them.
     */
    MaskingPlan recordMasking();

    /**
     * Judges, holds, records; durable before it returns. {@code preview} (asked for only when the request is held)
     * is what approvers are shown beyond the request line.
     */
    Verdict submit(RequestFacts facts, java.util.function.Supplier<HeldPreview> preview, HoldWatch watch);

    /**
     * As {@link #submit(RequestFacts, java.util.function.Supplier, HoldWatch)} for a request Sluice can recognise when it comes again:
     * {@code retryKey} is exactly what would be forwarded (see {@link RetryKey}), computed only when needed. A hold whose rules say
     * {@code respond: accepted} is answered {@link Verdict.Held} at once.
     */
    Verdict submit(RequestFacts facts, java.util.function.Supplier<HeldPreview> preview,
                   java.util.function.Supplier<String> retryKey, HoldWatch watch);

    /** Records a refusal Sluice decided itself (a request it will not forward whatever the policy says). */
    Verdict refuse(RequestFacts facts, String reason);

    /**
     * A request Sluice will not forward for a reason of its own that a client may work around (another transport,
     * another body): refused in the policy's words when the policy denies it (so the caller hears the rule), else
     * in Sluice's ({@code reason}). Recorded once either way.
     */
    Verdict refuseUnlessDenied(RequestFacts facts, String reason);

    void completed(long commandId, int status, long bytes, String error, Duration duration, Map<String, Long> masked);

    /**
     * A terminal recording for an exec/attach stream of this session ({@code asciicast/v2}); empty when recording is
     * off.
     */
    java.util.Optional<ExecRecording> execRecording(String subprotocol, String command);

    void countFromClient(long bytes);

    void countToClient(long bytes);

    /** Audits the end; idempotent. */
    void end(String reason);

    /** What to do with one request. */
    sealed interface Verdict {
        record Forward(long commandId) implements Verdict {
        }

        /** Refused: the message is safe to show; {@code status} 403, or 503 when the audit trail failed. */
        record Refuse(long commandId, int status, String message) implements Verdict {
        }

        /** Held for approval and not waited for: answer 202 with the approval id; send the same request again. */
        record Held(long commandId, String approvalId, java.time.Instant expires, String message) implements Verdict {
        }

    }
}
