package dev.sluice.postgres;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.audit.SqlRecorder;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.ErrorResponse;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.MalformedMessageException;

/**
 * Pairs what the upstream answers with what Sluice forwarded, so that each executed statement's outcome (rows,
 * SQLSTATE, duration) is audited, and so that the responses to a refusal Sluice injected are worded for the client.
 *
 * <p>The client-to-upstream thread {@link #expect}s an item <em>before</em> it writes the message upstream (so the
 * answer can never overtake it); the upstream-to-client thread consumes items in {@link #onFrame}. PostgreSQL
 * answers strictly in order, and after an error in an extended-query batch it skips everything up to Sync: the
 * tracker mirrors that by dropping the pending executions before the next {@link Pending.SyncMark}.
 *
 * <p>It also tells the session's {@link PostgresNamespace} what the server's answers made true: each name change
 * Sluice forwarded (Parse, Bind, Close, and the PREPARE/DECLARE/DEALLOCATE/CLOSE/DISCARD statements of a query or
 * portal) is resolved as done or failed by the answer to it, or as failed when the server skipped it to the next
 * Sync; CommandComplete tags and ReadyForQuery report transaction ends, which close portals.
 */
final class ResponseTracker {
    private final ConcurrentLinkedDeque<Pending> pending = new ConcurrentLinkedDeque<>();
    private final GatewaySession guard;
    private final SqlRecorder recorder;
    /** Told under the copy lock when the server starts copying in (the masking drops the Syncs it will ignore). */
    private Runnable copyInListener = () -> { };
    private final Clock clock;
    private final Supplier<Map<String, Long>> masked;
    private final PostgresNamespace names;
    /** Frames held back while an injected extended-protocol refusal is at the head (see {@link #onError}). */
    private final List<Frame> held = new ArrayList<>();
    /**
     * Portals that returned PortalSuspended (a cursor-style fetch): their statement is completed, with every chunk's
     * rows, only when the portal runs to its end (or the session ends). Upstream-to-client thread only.
     */
    private final Map<Long, Suspended> suspended = new java.util.HashMap<>();
    /** Why a message sent into a COPY FROM STDIN ends the session. */
    static final String DURING_COPY = "a message other than CopyData, CopyDone, CopyFail, Flush or Sync was sent "
            + "during COPY FROM STDIN";
    /** Guards {@link #copyIn} and the pairing of {@link #pending} with a COPY the server started. */
    private final java.util.concurrent.locks.ReentrantLock copyLock = new java.util.concurrent.locks.ReentrantLock();
    /** The server reads only copy data now: CopyInResponse seen, neither the COPY's end nor a CopyDone/CopyFail. */
    private boolean copyIn;
    /** DataRows seen for the execution at the head. */
    private long headRows;
    /** ReadyForQuery answers the expected items will get (client-to-upstream thread only). */
    private long readiesExpected;
    /** ReadyForQuery frames seen, counted before each is passed on (see {@link SessionSettings}). */
    private final java.util.concurrent.atomic.AtomicLong readiesSeen = new java.util.concurrent.atomic.AtomicLong();

    private record Suspended(Instant start, long rows) {
    }

    sealed interface Pending {
        /**
         * A simple Query that was forwarded; {@code starting} are the name changes its start makes (the unnamed
         * statement and portal dropped), {@code changes} those of each of its statements, in order.
         */
        final class QueryRun implements Pending {
            final long statementId;
            final Instant start;
            final long[] starting;
            final List<long[]> changes;
            int completed;
            boolean started;
            String tag = "";
            long rows = -1;
            String sqlState = "";
            String error = "";

            QueryRun(long statementId, Instant start) {
                this(statementId, start, new long[0], List.of());
            }

            QueryRun(long statementId, Instant start, long[] starting, List<long[]> changes) {
                this.statementId = statementId;
                this.start = start;
                this.starting = starting;
                this.changes = changes;
            }
        }

        /** An Execute that was forwarded, with the name changes its statement makes when it completes. */
        record ExecRun(long statementId, Instant start, long[] changes) implements Pending {
            ExecRun(long statementId, Instant start) {
                this(statementId, start, new long[0]);
            }
        }

        /** A refusal raised through a simple Query in place of the client's (which drops the unnamed names). */
        record QueryRefusal(String message, long[] changes) implements Pending {
        }

        /** A refusal raised through Parse/Bind/Execute of Sluice's own, inside the client's extended batch. */
        record ExtendedRefusal(String message, long[] changes) implements Pending {
        }

        /** A Parse, Bind or Close that was forwarded: ParseComplete, BindComplete or CloseComplete confirms it. */
        record NameChange(long change) implements Pending {
        }

        /** A Sync was forwarded: the server's ReadyForQuery answers it. */
        record SyncMark() implements Pending {
        }
    }

    /**
     * @param recorder the session's recording, fed with the rows of each result
     * @param masked   takes the masking counts of the result just completed, for its audit event
     * @param names    the session's names, told what the server's answers made true
     */
    ResponseTracker(GatewaySession guard, SqlRecorder recorder, Clock clock, Supplier<Map<String, Long>> masked,
                    PostgresNamespace names) {
        this.guard = guard;
        this.recorder = recorder;
        this.clock = clock;
        this.masked = masked;
        this.names = names;
    }

    /** {@code listener} runs, under the copy lock, when the server starts copying in. */
    void onCopyIn(Runnable listener) {
        this.copyInListener = listener;
    }

    private void resolve(long[] changes, boolean done) {
        for (long change : changes) {
            names.resolve(change, done);
        }
    }

    private void complete(long statementId, String tag, long rows, String sqlState, String error, Duration duration) {
        guard.completed(statementId, new CommandOutcome.Sql(tag, rows, sqlState, error), duration, masked.get());
    }

    /**
     * Client-to-upstream thread, before the message is written upstream: the server will answer it with what
     * {@code item} expects. Returns false for a Sync while the server copies in: it ignores Sync, so no
     * ReadyForQuery answers it and nothing is expected.
     *
     * @throws MalformedMessageException for any other message while the server copies in: the server would swallow
     *                                   it unanswered (fail closed: Sluice could no longer pair answers with messages)
     */
    boolean expect(Pending item) {
        return expect(item, () -> { });
    }

    /**
     * As {@link #expect(Pending)}, running {@code alsoExpected} (the masking's own record of the message) under the
     * same lock when the item is expected: the tracker and the masking expect exactly the same answers, even when a
     * CopyInResponse arrives in between ({@link #onCopyIn} drops both records of a Sync the server will ignore).
     */
    boolean expect(Pending item, Runnable alsoExpected) {
        copyLock.lock();
        try {
            if (copyIn) {
                if (item instanceof Pending.SyncMark) {
                    return false;
                }
                throw new MalformedMessageException(DURING_COPY);
            }
            alsoExpected.run();
            if (item instanceof Pending.QueryRun || item instanceof Pending.QueryRefusal
                    || item instanceof Pending.SyncMark) {
                readiesExpected++;
            }
            pending.addLast(item);
            return true;
        } finally {
            copyLock.unlock();
        }
    }

    /** Whether the server is copying data in: only CopyData, CopyDone, CopyFail, Flush and Sync may follow. */
    boolean copyingIn() {
        copyLock.lock();
        try {
            return copyIn;
        } finally {
            copyLock.unlock();
        }
    }

    /** Client-to-upstream thread: a CopyDone or CopyFail goes upstream, which ends the server's COPY. */
    void copyEnded() {
        copyLock.lock();
        try {
            copyIn = false;
        } finally {
            copyLock.unlock();
        }
    }

    /**
     * The server started copying in (CopyInResponse): from now on it ignores Sync and Flush and swallows any other
     * message with an error, unanswered, until CopyDone or CopyFail. The Syncs the client already sent behind the
     * COPY are ignored by the server, so they are no longer expected; any other message already sent behind it would
     * be swallowed: fail closed, the session ends ({@link CopyDesync}). A client waits for CopyInResponse before it
     * sends its data, as libpq and pgjdbc do.
     */
    private void onCopyIn() {
        copyLock.lock();
        try {
            copyIn = true;
            copyInListener.run(); // the masking forgets the same Syncs
            boolean afterRun = false;
            for (java.util.Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
                Pending item = it.next();
                if (!afterRun) {
                    afterRun = item instanceof Pending.QueryRun || item instanceof Pending.ExecRun;
                } else if (item instanceof Pending.SyncMark) {
                    it.remove();
                    readiesSeen.incrementAndGet(); // its ReadyForQuery will never come: counted as answered
                } else {
                    throw new CopyDesync(DURING_COPY);
                }
            }
        } finally {
            copyLock.unlock();
        }
    }

    /** The server's COPY ended (CommandComplete, ErrorResponse or ReadyForQuery): it reads messages as usual. */
    private void onCopyEnd() {
        copyLock.lock();
        try {
            copyIn = false;
        } finally {
            copyLock.unlock();
        }
    }

    /**
     * A message was sent while the server copies data in: the server swallows it unanswered, so Sluice could no
     * longer pair the server's answers (and name changes) with what it forwarded. The session must end.
     */
    static final class CopyDesync extends RuntimeException {
        CopyDesync(String message) {
            super(message);
        }
    }

    /** How many ReadyForQuery the items expected so far will be answered with (client-to-upstream thread). */
    long readiesExpected() {
        return readiesExpected;
    }

    /** How many ReadyForQuery the upstream sent so far; each is counted before the client can see it. */
    long readiesSeen() {
        return readiesSeen.get();
    }

    /**
     * Called for every frame from upstream, in order. Returns the frames to send to the client (usually the frame
     * itself; none while frames are held; several when held frames are released).
     */
    List<Frame> onFrame(Frame frame) {
        return onFrame(frame, frame);
    }

    /**
     * {@link #onFrame(Frame)} where {@code audited} (same message type) is the frame as the audit trail may hold it:
     * masked by every rule of the connection even when the caller is exempt from some (see
     * {@link MaskingRelay#audited}). Rows are recorded and error texts audited from it; the client gets {@code frame}.
     */
    List<Frame> onFrame(Frame frame, Frame audited) {
        Pending head = pending.peekFirst();
        if (head instanceof Pending.ExtendedRefusal refusal && frame.type() != 'E' && frame.type() != 'Z') {
            held.add(frame);
            return List.of();
        }
        if (head instanceof Pending.QueryRun run && !run.started) {
            // the server answers this query: it started, and dropped the unnamed statement and portal
            run.started = true;
            resolve(run.starting, true);
        }
        if (head instanceof Pending.QueryRefusal refusal) {
            resolve(refusal.changes(), true);
        }
        switch (frame.type()) {
            case 'G' -> onCopyIn();
            case 'C', 'E', 'Z' -> onCopyEnd();
            default -> { }
        }
        return switch (frame.type()) {
            case '1', '2', '3' -> {
                if (head instanceof Pending.NameChange change) {
                    pending.pollFirst();
                    names.resolve(change.change(), true);
                }
                yield List.of(frame);
            }
            case 'C' -> {
                onCompletion(((BackendMessage.CommandComplete) BackendMessage.decode(frame)).tag());
                yield List.of(frame);
            }
            case 'I' -> {
                onCompletion("EMPTY");
                yield List.of(frame);
            }
            case 's' -> {
                onSuspended();
                yield List.of(frame);
            }
            case 'D' -> onDataRow(frame, audited) ? List.of(frame) : List.of();
            case 'T' -> {
                SessionRecorders.feed(recorder, head, frame);
                yield List.of(frame);
            }
            case 'E' -> onError(frame, audited);
            case 'Z' -> {
                readiesSeen.incrementAndGet();
                List<Frame> result = new ArrayList<>(held);
                held.clear();
                result.add(frame);
                onReady(((BackendMessage.ReadyForQuery) BackendMessage.decode(frame)).status());
                yield result;
            }
            default -> List.of(frame);
        };
    }

    /**
     * A DataRow, the bulk of every result: counted for the execution at the head and fed to the session recorder.
     * Returns whether to send it to the client now (false: it is held with everything else, see {@link #onFrame}).
     * The relay calls this instead of {@link #onFrame} for rows, which saves a list per row.
     */
    boolean onDataRow(Frame frame) {
        return onDataRow(frame, frame);
    }

    /** {@link #onDataRow(Frame)}, recording {@code audited} (see {@link #onFrame(Frame, Frame)}). */
    boolean onDataRow(Frame frame, Frame audited) {
        Pending head = pending.peekFirst();
        if (head instanceof Pending.ExtendedRefusal) {
            held.add(frame);
            return false;
        }
        headRows++;
        SessionRecorders.feed(recorder, head, audited);
        return true;
    }

    private void onCompletion(String tag) {
        switch (pending.peekFirst()) {
            case Pending.QueryRun run -> {
                run.tag = tag;
                long rows = rowsOf(tag);
                if (rows >= 0) {
                    run.rows = Math.max(run.rows, 0) + rows;
                }
                if (run.completed < run.changes.size()) {
                    resolve(run.changes.get(run.completed++), true);
                }
            }
            case Pending.ExecRun run -> {
                pending.pollFirst();
                resolve(run.changes(), true);
                Suspended earlier = suspended.remove(run.statementId());
                long rows = headRows + (earlier == null ? 0 : earlier.rows());
                Instant start = earlier == null ? run.start() : earlier.start();
                // A portal fetched in chunks ends with a tag counting only the last chunk: count the rows seen.
                complete(run.statementId(), tag, Math.max(rowsOf(tag), rows), "", "",
                        Duration.between(start, clock.instant()));
            }
            case null, default -> { }
        }
        headRows = 0;
        names.completed(tag);
    }

    private void onSuspended() {
        if (pending.peekFirst() instanceof Pending.ExecRun run) {
            pending.pollFirst();
            resolve(run.changes(), true);
            suspended.merge(run.statementId(), new Suspended(run.start(), headRows),
                    (a, b) -> new Suspended(a.start(), a.rows() + b.rows()));
        }
        headRows = 0;
    }

    /** At session end: a portal never run to its end is recorded with the rows it did return. */
    void finish() {
        suspended.forEach((id, s) -> complete(id, "SUSPENDED", s.rows(), "", "portal not run to completion",
                Duration.between(s.start(), clock.instant())));
        suspended.clear();
    }

    private List<Frame> onError(Frame frame, Frame audited) {
        // the audited text: masked by every rule of the connection (the client gets frame)
        ErrorResponse error = (ErrorResponse) BackendMessage.decode(audited);
        ErrorResponse sent = frame == audited ? error : (ErrorResponse) BackendMessage.decode(frame);
        Pending head = pending.peekFirst();
        names.failed();
        switch (head) {
            case Pending.QueryRun run -> {
                run.sqlState = error.sqlState();
                run.error = error.message();
                // the failing statement and every later one of the string did not run
                while (run.completed < run.changes.size()) {
                    resolve(run.changes.get(run.completed++), false);
                }
                return List.of(frame);
            }
            case Pending.NameChange change -> {
                pending.pollFirst();
                names.refused(change.change());
                // The execution this Parse or Bind prepared fails with it (Bind plans the statement: 1/0 fails
                // there): its audited outcome is this error.
                while (pending.peekFirst() instanceof Pending.NameChange skipped) {
                    pending.pollFirst();
                    names.resolve(skipped.change(), false);
                }
                if (pending.peekFirst() instanceof Pending.ExecRun run) {
                    pending.pollFirst();
                    resolve(run.changes(), false);
                    headRows = 0;
                    complete(run.statementId(), "", -1, error.sqlState(), error.message(),
                            Duration.between(run.start(), clock.instant()));
                }
                skipToSync();
                return List.of(frame);
            }
            case Pending.QueryRefusal refusal -> {
                return List.of(worded(sent, refusal.message()).toFrame());
            }
            case Pending.ExtendedRefusal refusal -> {
                pending.pollFirst();
                List<Frame> result = new ArrayList<>(held);
                held.clear();
                if (isOurs(sent, refusal.message()) && endsWithOurParseAndBind(result)) {
                    result.subList(result.size() - 2, result.size()).clear();
                    result.add(worded(sent, refusal.message()).toFrame());
                    resolve(refusal.changes(), true);
                } else {
                    result.add(frame);
                    resolve(refusal.changes(), false);
                }
                skipToSync();
                return result;
            }
            case Pending.ExecRun run -> {
                pending.pollFirst();
                resolve(run.changes(), false);
                headRows = 0;
                Suspended earlier = suspended.remove(run.statementId());
                complete(run.statementId(), "", -1, error.sqlState(), error.message(),
                        Duration.between(earlier == null ? run.start() : earlier.start(), clock.instant()));
                skipToSync();
                return List.of(frame);
            }
            case null, default -> {
                skipToSync();
                return List.of(frame);
            }
        }
    }

    private void onReady(byte status) {
        drainToReady();
        names.ready(status);
    }

    private void drainToReady() {
        while (true) {
            Pending item = pending.pollFirst();
            switch (item) {
                case null -> {
                    return;
                }
                case Pending.QueryRun run -> {
                    resolve(run.starting, run.started);
                    while (run.completed < run.changes.size()) {
                        resolve(run.changes.get(run.completed++), false);
                    }
                    complete(run.statementId, run.tag, run.sqlState.isEmpty() ? run.rows : -1, run.sqlState,
                            run.error, Duration.between(run.start, clock.instant()));
                    return;
                }
                case Pending.QueryRefusal refusal -> {
                    return;
                }
                case Pending.SyncMark mark -> {
                    return;
                }
                case Pending.ExecRun run -> {
                    resolve(run.changes(), false);
                    complete(run.statementId(), "", -1, "", "no result before Sync",
                            Duration.between(run.start(), clock.instant()));
                }
                case Pending.ExtendedRefusal refusal -> resolve(refusal.changes(), false);
                case Pending.NameChange change -> names.resolve(change.change(), false);
            }
        }
    }

    /** The server skips every message after an error until Sync; so do the executions we were waiting for. */
    private void skipToSync() {
        while (true) {
            Pending item = pending.peekFirst();
            if (item instanceof Pending.ExecRun run) {
                pending.pollFirst();
                resolve(run.changes(), false);
                complete(run.statementId(), "", -1, "", "not executed: an earlier message in the batch failed",
                        Duration.ZERO);
            } else if (item instanceof Pending.ExtendedRefusal refusal) {
                pending.pollFirst();
                resolve(refusal.changes(), false);
            } else if (item instanceof Pending.NameChange change) {
                pending.pollFirst();
                names.resolve(change.change(), false);
            } else if (item instanceof Pending.QueryRun run && !run.started) {
                // the server ignores a Query while it skips to Sync: it ran nothing
                pending.pollFirst();
                resolve(run.starting, false);
                run.changes.forEach(changes -> resolve(changes, false));
                complete(run.statementId, "", -1, "", "not executed: an earlier message in the batch failed",
                        Duration.ZERO);
            } else {
                return;
            }
        }
    }

    private static long rowsOf(String tag) {
        return new BackendMessage.CommandComplete(tag).rows();
    }

    private static boolean isOurs(ErrorResponse error, String message) {
        return (PostgresErrors.INSUFFICIENT_PRIVILEGE.equals(error.sqlState())
                || PostgresErrors.QUERY_CANCELED.equals(error.sqlState())) && error.message().equals(message);
    }

    private static boolean endsWithOurParseAndBind(List<Frame> frames) {
        int n = frames.size();
        return n >= 2 && frames.get(n - 2).type() == '1' && frames.get(n - 1).type() == '2';
    }

    /** Drops the PL/pgSQL context and source-location fields of an injected refusal: they describe Sluice's DO. */
    private static ErrorResponse worded(ErrorResponse error, String message) {
        if (!isOurs(error, message)) {
            return error;
        }
        Map<Character, String> fields = new LinkedHashMap<>(error.fields());
        fields.keySet().removeAll(List.of('W', 'F', 'L', 'R', 'q', 'P', 'p'));
        return new ErrorResponse(fields);
    }
}
