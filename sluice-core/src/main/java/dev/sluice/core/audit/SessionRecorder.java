package dev.sluice.core.audit;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Records what one session's client sent and what came back, statement by statement, into the audit trail.
 *
 * <p>The protocol-neutral calls ({@link #onStatement}, {@link #onResult}, {@link #onEnd}) come from the
 * {@link dev.sluice.core.access.SessionGuard}, which sees every statement's text, parameters and outcome whatever
 * the protocol. The result calls ({@link #onColumns}, {@link #onRow}) come from the protocol's response path (for
 * PostgreSQL the {@code ResponseTracker}), on the session's upstream-to-client thread, for the statement whose
 * answer is being relayed. Implementations must accept calls from both relay threads and keep memory bounded.
 */
public interface SessionRecorder {

    /** A statement was judged; {@code verdict} is {@code allow}, {@code deny} or {@code hold}. Texts are masked. */
    void onStatement(long statementId, String text, List<String> parameters, String verdict, String reason);

    /**
     * True while the recorder still wants the rows of this statement (recording rows, and under the cap), so that the
     * protocol decodes rows only when they will be kept.
     */
    default boolean wantsRows(long statementId) {
        return false;
    }

    /** A result set starts: its column names. */
    default void onColumns(long statementId, List<String> names) {
    }

    /** One row of the current result set, each cell as text; an SQL NULL is an empty optional. */
    default void onRow(long statementId, List<Optional<String>> cells) {
    }

    /** The statement's outcome: its command tag, rows affected or returned (-1 unknown), error fields if it failed. */
    void onResult(long statementId, String tag, long rows, String sqlState, String error, Duration duration);

    /** The session ended: statements still waiting for an outcome are recorded as unfinished. */
    default void onEnd() {
    }

    /** A recorder that keeps nothing (recording disabled). */
    static SessionRecorder none() {
        return NoRecorder.INSTANCE;
    }
}
