package dev.sluice.core.audit;

import java.time.Duration;
import java.util.List;

/**
 * Records one session into the audit trail, in the protocol's own recording format ({@code sql/v1} statement chunks,
 * {@code asciicast/v2} terminal streams, HTTP exchanges), as {@link AuditEvent.RecordingChunk}s inside the hash chain.
 * The protocol supplies it when the session starts ({@code SessionStart}); {@code sluice replay} dispatches on the
 * format.
 *
 * <p>The protocol-neutral calls ({@link #onCommand}, {@link #onResult}, {@link #onEnd}) come from the core session,
 * which sees every command's masked text, verdict and outcome whatever the protocol. A protocol's own calls (rows of
 * a result, terminal output) come from its data path. Implementations must accept calls from the session's threads
 * and keep memory bounded.
 */
public interface SessionRecorder {

    /** A command was judged; {@code verdict} is {@code allow}, {@code deny} or {@code hold}. Texts are masked. */
    void onCommand(long commandId, String text, List<String> parameters, String verdict, String reason);

    /** A forwarded command's outcome. */
    void onResult(long commandId, CommandOutcome outcome, Duration duration);

    /** The session ended: commands still waiting for an outcome are recorded as unfinished. */
    default void onEnd() {
    }

    /** A recorder that keeps nothing (recording disabled). */
    static SessionRecorder none() {
        return NoRecorder.INSTANCE;
    }
}
