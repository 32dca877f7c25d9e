package dev.sluice.postgres;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.audit.SqlRecorder;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.ErrorResponse;
import dev.sluice.postgres.wire.Frame;

/**
 * Audits what the upstream answers: each executed statement's outcome (rows, SQLSTATE, duration) and its result rows
 * for the session recording, and words the answers to a refusal Sluice injected for the client. It reads the
 * session's {@link Conversation} (which pairs every answer with the message it answers) and advances it once per
 * backend frame; it is told the outcomes through {@link Conversation.Outcomes}.
 *
 * <p>Each frame comes three ways: as the server sent it (it advances the conversation), as the client gets it
 * (masked; Sluice's 42501 in place of a result masking refused; nothing while the rest of that answer is withheld)
 * and as the audit trail may hold it (masked by every rule of the connection, see {@link MaskingRelay#audited}).
 * Upstream-to-client thread only.
 */
final class ResponseTracker implements Conversation.Outcomes {
    private final Conversation conversation;
    private final GatewaySession guard;
    private final SqlRecorder recorder;
    private final Clock clock;
    private final Supplier<Map<String, Long>> masked;
    /** Frames held back while an injected extended-protocol refusal is at the head (see {@link #toClient}). */
    private final List<Frame> held = new ArrayList<>();
    /**
     * Portals that returned PortalSuspended (a cursor-style fetch): their statement is completed, with every chunk's
     * rows, only when the portal runs to its end (or the session ends).
     */
    private final Map<Long, Suspended> suspended = new HashMap<>();
    /** DataRows the server sent for the execution at the head. */
    private long headRows;
    /** The execution whose result masking refused up to the next ReadyForQuery, and the refusal as audited. */
    private Entry refused;
    private ErrorResponse refusal;

    private record Suspended(Instant start, long rows) {
    }

    /**
     * @param recorder the session's recording, fed with the rows of each result
     * @param masked   takes the masking counts of the result just completed, for its audit event
     */
    ResponseTracker(Conversation conversation, GatewaySession guard, SqlRecorder recorder, Clock clock,
                    Supplier<Map<String, Long>> masked) {
        this.conversation = conversation;
        this.guard = guard;
        this.recorder = recorder;
        this.clock = clock;
        this.masked = masked;
    }

    /**
     * Called for every frame from upstream, in order: {@code frame} as the server sent it, {@code client} as masking
     * passes it on (null: withheld), {@code audited} as the trail may hold it (null when {@code client} is). Returns
     * the frames to send to the client (usually {@code client}; none while frames are held; several when held frames
     * are released).
     */
    List<Frame> onFrame(Frame frame, Frame client, Frame audited) {
        Optional<Entry> head = conversation.head();
        if (client != null && client.type() == 'E' && frame.type() != 'E') {
            refusedByMasking(head, audited);
        }
        List<Frame> result = client == null ? List.of() : toClient(head, client, Optional.ofNullable(audited));
        conversation.answer(frame, recorded(frame, audited), this);
        switch (frame.type()) {
            case 'C', 'I', 's', 'E' -> headRows = 0;
            case 'Z' -> refused = null;
            default -> { }
        }
        return result;
    }

    /**
     * A DataRow, the bulk of every result, that masking passed on as {@code client} (null: withheld): counted for the
     * execution at the head and fed to the session recorder as {@code audited}. Returns whether to send it to the
     * client now (false: withheld, or held with everything else, see {@link #toClient}). Saves a list per row.
     */
    boolean onDataRow(Frame client, Frame audited) {
        headRows++;
        if (client == null) {
            return false;
        }
        Optional<Entry> head = conversation.head();
        if (head.isPresent() && head.get() instanceof Entry.ExtendedRefusal) {
            held.add(client);
            return false;
        }
        SessionRecorders.feed(recorder, head, audited);
        return true;
    }

    private List<Frame> toClient(Optional<Entry> head, Frame client, Optional<Frame> audited) {
        if (head.isPresent() && head.get() instanceof Entry.ExtendedRefusal && client.type() != 'E'
                && client.type() != 'Z') {
            held.add(client);
            return List.of();
        }
        switch (client.type()) {
            case 'T' -> {
                audited.ifPresent(description -> SessionRecorders.feed(recorder, conversation.run(), description));
                return List.of(client);
            }
            case 'E' -> {
                ErrorResponse sent = (ErrorResponse) BackendMessage.decode(client);
                if (head.isPresent() && head.get() instanceof Entry.ExtendedRefusal refusal) {
                    List<Frame> result = new ArrayList<>(held);
                    held.clear();
                    if (PostgresErrors.isRaised(sent, refusal.message) && endsWithOurParseAndBind(result)) {
                        result.subList(result.size() - 2, result.size()).clear();
                        result.add(worded(sent, refusal.message).toFrame());
                    } else {
                        result.add(client);
                    }
                    return result;
                }
                if (head.isPresent() && head.get() instanceof Entry.QueryRefusal refusal) {
                    return List.of(worded(sent, refusal.message()).toFrame());
                }
                return List.of(client);
            }
            case 'Z' -> {
                List<Frame> result = new ArrayList<>(held);
                held.clear();
                result.add(client);
                return result;
            }
            default -> {
                return List.of(client);
            }
        }
    }

    /** The ErrorResponse to audit for {@code frame}: the trail's; withheld when masking withholds the answer. */
    private static Optional<ErrorResponse> recorded(Frame frame, Frame audited) {
        if (frame.type() != 'E') {
            return Optional.empty();
        }
        if (audited != null && audited.type() == 'E') {
            return Optional.of((ErrorResponse) BackendMessage.decode(audited));
        }
        // fail closed: the trail gets no text of an answer the client was not shown (it may hold clear values)
        String sqlState = ((ErrorResponse) BackendMessage.decode(frame)).sqlState();
        return Optional.of(ErrorResponse.of("ERROR", sqlState, "[withheld by Sluice masking]"));
    }

    /**
     * Masking refused the result streaming now: the client got Sluice's 42501 in its place and nothing more up to
     * ReadyForQuery. The statement ran; its audited outcome is the refusal. What the server answers behind it still
     * advances the conversation.
     */
    private void refusedByMasking(Optional<Entry> head, Frame audited) {
        ErrorResponse error = (ErrorResponse) BackendMessage.decode(audited);
        switch (head.orElse(null)) {
            case Entry.Query query -> {
                if (query.sqlState.isEmpty()) {
                    query.sqlState = error.sqlState();
                    query.error = error.message();
                }
            }
            case Entry.Execute execute -> {
                refused = execute;
                refusal = error;
            }
            case null, default -> { }
        }
    }

    private void complete(long statementId, String tag, long rows, String sqlState, String error, Duration duration) {
        guard.completed(statementId, new CommandOutcome.Sql(tag, rows, sqlState, error), duration, masked.get());
    }

    @Override
    public void queryEnded(Entry.Query query, boolean skipped) {
        if (skipped) {
            complete(query.statementId, "", -1, "", query.error, Duration.ZERO);
            return;
        }
        complete(query.statementId, query.tag, query.sqlState.isEmpty() ? query.rows : -1, query.sqlState,
                query.error, Duration.between(query.start, clock.instant()));
    }

    @Override
    public void executed(Entry.Execute execute, String tag) {
        if (execute == refused) {
            failed(execute, refusal.sqlState(), refusal.message(), false);
            return;
        }
        Suspended earlier = suspended.remove(execute.statementId());
        long rows = headRows + (earlier == null ? 0 : earlier.rows());
        Instant start = earlier == null ? execute.start() : earlier.start();
        // A portal fetched in chunks ends with a tag counting only the last chunk: count the rows seen.
        complete(execute.statementId(), tag, Math.max(new BackendMessage.CommandComplete(tag).rows(), rows), "", "",
                Duration.between(start, clock.instant()));
    }

    @Override
    public void suspended(Entry.Execute execute) {
        if (execute == refused) {
            failed(execute, refusal.sqlState(), refusal.message(), false);
            return;
        }
        suspended.merge(execute.statementId(), new Suspended(execute.start(), headRows),
                (a, b) -> new Suspended(a.start(), a.rows() + b.rows()));
    }

    @Override
    public void failed(Entry.Execute execute, String sqlState, String error, boolean skipped) {
        boolean refusedHere = execute == refused;
        Suspended earlier = suspended.remove(execute.statementId());
        Instant start = earlier == null ? execute.start() : earlier.start();
        complete(execute.statementId(), "", -1, refusedHere ? refusal.sqlState() : sqlState,
                refusedHere ? refusal.message() : error,
                skipped ? Duration.ZERO : Duration.between(start, clock.instant()));
    }

    /** At session end: a portal never run to its end is recorded with the rows it did return. */
    void finish() {
        suspended.forEach((id, s) -> complete(id, "SUSPENDED", s.rows(), "", "portal not run to completion",
                Duration.between(s.start(), clock.instant())));
        suspended.clear();
    }

    private static boolean endsWithOurParseAndBind(List<Frame> frames) {
        int n = frames.size();
        return n >= 2 && frames.get(n - 2).type() == '1' && frames.get(n - 1).type() == '2';
    }

    /** Drops the PL/pgSQL context and source-location fields of an injected refusal: they describe Sluice's DO. */
    private static ErrorResponse worded(ErrorResponse error, String message) {
        if (!PostgresErrors.isRaised(error, message)) {
            return error;
        }
        Map<Character, String> fields = new LinkedHashMap<>(error.fields());
        fields.keySet().removeAll(List.of('W', 'F', 'L', 'R', 'q', 'P', 'p'));
        return new ErrorResponse(fields);
    }
}
