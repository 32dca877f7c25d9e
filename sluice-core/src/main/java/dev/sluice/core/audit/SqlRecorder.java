package dev.sluice.core.audit;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.config.RecordingConfig;

/**
 * Records a SQL session as {@link AuditEvent.RecordingChunk}s of format {@value #FORMAT}: one chunk per statement,
 * appended (without waiting for durability) once the statement's outcome is known, or at once for a refused one.
 * The chunk layout is described in {@code docs/recordings.md}.
 *
 * <p>Memory is bounded whatever the client does: at most {@link #MAX_PENDING} statements await their outcome (more
 * are recorded without results), rows are kept up to the configured cap, each cell up to {@link #MAX_CELL_CHARS}
 * characters and each chunk's rows up to {@link #MAX_ROW_CHARS} characters in all, and at most {@link #MAX_RESULT_SETS} result
 * sets per statement.
 *
 * <p>Thread-safety: {@link #onStatement} runs on the client-to-upstream thread and hands the statement over through
 * a concurrent map; every later call for that statement runs on the upstream-to-client thread, and {@link #onEnd}
 * after both have stopped.
 */
public final class SqlRecorder implements SessionRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(SqlRecorder.class);
    public static final String FORMAT = "sql/v1";
    static final int MAX_PENDING = 1024;
    static final int MAX_CELL_CHARS = 1024;
    static final int MAX_ROW_CHARS = 256 * 1024;
    static final int MAX_RESULT_SETS = 256;

    private final RecordingConfig config;
    private final AuditContext ctx;
    private final AuditLog audit;
    private final Clock clock;
    private final ConcurrentHashMap<Long, StatementTake> pending = new ConcurrentHashMap<>();

    private SqlRecorder(RecordingConfig config, AuditContext ctx, AuditLog audit, Clock clock) {
        this.config = config;
        this.ctx = ctx;
        this.audit = audit;
        this.clock = clock;
    }

    /** A recorder for one SQL session; it keeps nothing when recording is disabled. */
    public static SqlRecorder create(RecordingConfig config, AuditContext ctx, AuditLog audit, Clock clock) {
        return new SqlRecorder(config, ctx, audit, clock);
    }

    @Override
    public void onCommand(long statementId, String text, List<String> parameters, String verdict, String reason) {
        if (!config.enabled()) {
            return;
        }
        StatementTake take = new StatementTake(statementId, clock.instant(), text, parameters, verdict, reason);
        if (!"allow".equals(verdict)) {
            take.finish("", -1, "", reason, Duration.ZERO);
            emit(take);
            return;
        }
        if (pending.size() >= MAX_PENDING) {
            take.finish("", -1, "", "outcome not recorded: too many statements in flight", Duration.ZERO);
            emit(take);
            return;
        }
        pending.put(statementId, take);
    }

    /**
     * True while the recorder still wants the rows of this statement (recording rows, and under the cap), so that the
     * protocol decodes rows only when they will be kept.
     */
    public boolean wantsRows(long statementId) {
        if (config.results() != RecordingConfig.Results.ROWS) {
            return false;
        }
        StatementTake take = pending.get(statementId);
        return take != null && take.wantsRows(config.rowsCap());
    }

    /** A result set starts: its column names. */
    public void onColumns(long statementId, List<String> names) {
        StatementTake take = pending.get(statementId);
        if (take != null && config.results() != RecordingConfig.Results.NONE) {
            take.startResultSet(names);
        }
    }

    /** One row of the current result set, each cell as text; an SQL NULL is an empty optional. */
    public void onRow(long statementId, List<Optional<String>> cells) {
        StatementTake take = pending.get(statementId);
        if (take != null && config.results() == RecordingConfig.Results.ROWS) {
            take.addRow(cells, config.rowsCap());
        }
    }

    @Override
    public void onResult(long statementId, CommandOutcome outcome, Duration duration) {
        StatementTake take = pending.remove(statementId);
        if (take == null) {
            return;
        }
        take.finish(outcome.tag(), outcome.rows(), outcome.state(), outcome.error(), duration);
        if (config.results() == RecordingConfig.Results.ROWS) {
            take.capped(outcome.rows(), config.rowsCap());
        }
        emit(take);
    }

    @Override
    public void onEnd() {
        for (Long id : List.copyOf(pending.keySet())) {
            StatementTake take = pending.remove(id);
            if (take != null) {
                take.finish("", -1, "", "no outcome before the session ended",
                        Duration.between(take.started(), clock.instant()));
                emit(take);
            }
        }
    }

    private void emit(StatementTake take) {
        try {
            audit.appendLater(new AuditEvent.RecordingChunk(clock.instant(), ctx, FORMAT, take.statementId(),
                    take.toJson(config.results())));
        } catch (RuntimeException e) {
            // The statement already ran (or was refused and audited): losing its recording is logged, not fatal.
            LOG.error("session {}: could not record statement {}", ctx.session(), take.statementId(), e);
        }
    }
}
