package dev.sluice.postgres;

import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.postgres.masking.MaskingLineage;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.ErrorResponse;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.MalformedMessageException;

/**
 * One PostgreSQL session's conversation with its server, as Sluice forwarded it: the one place where the server's
 * answers are paired with the messages they answer. It holds the ordered queue of the answers still expected (one
 * {@link Entry} per message the server answers, carrying what every reader needs: the namespace change ids, the
 * statement's masking lineage, the audit's statement id), the result descriptions of every prepared statement and
 * portal ({@link ResultDescriptions}), whether the server copies data in, and the server's skip to Sync after an
 * error. The {@link PostgresNamespace} is told what each answer made true; the {@link ResponseTracker} (audit,
 * recording) and the {@link MaskingRelay} (its main and shadow plans) read the head entry and its description.
 *
 * <p>It follows the server's own answers, not what the client was shown: when masking withholds a result, the
 * messages behind it still ran on the server, and the names they changed mean what the server made them mean.
 *
 * <p>Threads: the client-to-upstream thread {@link #expect}s an entry <em>before</em> it writes the message upstream
 * (so the answer can never overtake it) and asks {@link #copyingIn} and {@link #skipsToSync}. The upstream-to-client
 * thread reads the head ({@link #head}, {@link #rows}, {@link #lineage}, {@link #simpleSql}) and then
 * {@link #answer}s every backend frame exactly once, in order: readers of a frame read before it advances the
 * conversation. The queue is a concurrent deque; {@link #copyLock} pairs the copy-in state with it. The
 * descriptions and the mutable fields of entries are the upstream-to-client thread's only.
 */
final class Conversation {
    /** Why a message sent into a COPY FROM STDIN ends the session. */
    static final String DURING_COPY = "a message other than CopyData, CopyDone, CopyFail, Flush or Sync was sent "
            + "during COPY FROM STDIN";
    static final String NOT_EXECUTED = "not executed: an earlier message in the batch failed";

    /** A statement's masking lineage for the caller's plan and for the audit trail's (every rule of the connection). */
    record Lineage(MaskingLineage caller, MaskingLineage trail) {
        static final Lineage NONE = new Lineage(MaskingLineage.NONE, MaskingLineage.NONE);
        static final Lineage FAIL_CLOSED = new Lineage(MaskingLineage.failClosed(), MaskingLineage.failClosed());

        MaskingLineage of(boolean trail) {
            return trail ? this.trail : caller;
        }
    }

    /** What the audit learns from the server's answers (the {@link ResponseTracker}); upstream-to-client thread. */
    interface Outcomes {
        /** A Query was answered up to its ReadyForQuery, or ({@code skipped}) the server ignored it. */
        void queryEnded(Entry.Query query, boolean skipped);

        /** CommandComplete ({@code tag}) or EmptyQueryResponse ({@code EMPTY}) ended an Execute. */
        void executed(Entry.Execute execute, String tag);

        /** PortalSuspended: the Execute's row limit was reached. */
        void suspended(Entry.Execute execute);

        /** The Execute failed, had no result before Sync, or ({@code skipped}) was skipped after an earlier error. */
        void failed(Entry.Execute execute, String sqlState, String error, boolean skipped);
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

    private final ConcurrentLinkedDeque<Entry> entries = new ConcurrentLinkedDeque<>();
    private final PostgresNamespace names;
    private final ResultDescriptions descriptions = new ResultDescriptions();
    /** Guards {@link #copyIn} and the pairing of {@link #entries} with a COPY the server started. */
    private final ReentrantLock copyLock = new ReentrantLock();
    /** The server reads only copy data now: CopyInResponse seen, neither the COPY's end nor a CopyDone/CopyFail. */
    private boolean copyIn;
    /** Sluice refused a message of the client's extended batch: the client's messages up to its Sync are dropped. */
    private boolean skippingToSync;
    /** ReadyForQuery answers the expected entries will get (client-to-upstream thread only). */
    private long readiesExpected;
    /** ReadyForQuery frames seen (or known never to come), counted before each is passed on. */
    private final AtomicLong readiesSeen = new AtomicLong();
    /** The description of the result streaming now, and the entry it belongs to. */
    private ResultDescriptions.Described current;
    private Entry currentOwner;

    Conversation(PostgresNamespace names) {
        this.names = names;
    }

    // ---- client-to-upstream thread ----

    /**
     * The server will answer {@code entry}'s message, about to be written upstream. Returns false for a Sync while
     * the server copies in: it ignores Sync, so no ReadyForQuery answers it and nothing is expected.
     *
     * @throws MalformedMessageException for any other message while the server copies in: the server would swallow
     *                                   it unanswered (fail closed: Sluice could no longer pair answers with messages)
     */
    boolean expect(Entry entry) {
        copyLock.lock();
        try {
            if (copyIn) {
                if (entry instanceof Entry.Sync) {
                    return false;
                }
                throw new MalformedMessageException(DURING_COPY);
            }
            if (entry instanceof Entry.Query || entry instanceof Entry.QueryRefusal || entry instanceof Entry.Sync) {
                readiesExpected++;
            }
            if (entry instanceof Entry.ExtendedRefusal) {
                skippingToSync = true;
            } else if (entry instanceof Entry.Sync) {
                skippingToSync = false;
            }
            entries.addLast(entry);
            return true;
        } finally {
            copyLock.unlock();
        }
    }

    /**
     * Whether the server will skip the client's messages up to its Sync because Sluice refused one of the batch:
     * they are dropped, not forwarded.
     */
    boolean skipsToSync() {
        return skippingToSync;
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

    /** A CopyDone or CopyFail goes upstream, which ends the server's COPY. */
    void copyEnded() {
        copyLock.lock();
        try {
            copyIn = false;
        } finally {
            copyLock.unlock();
        }
    }

    /** How many ReadyForQuery the entries expected so far will be answered with. */
    long readiesExpected() {
        return readiesExpected;
    }

    /** How many ReadyForQuery the upstream sent (or will never send) so far; each counted before it is passed on. */
    long readiesSeen() {
        return readiesSeen.get();
    }

    // ---- upstream-to-client thread: reading ----

    /** The entry the next answer belongs to; empty between answers. */
    Optional<Entry> head() {
        return Optional.ofNullable(entries.peekFirst());
    }

    /** The first entry that is not a Describe: the execution a RowDescription of a Describe will be read for. */
    Optional<Entry> run() {
        for (Entry entry : entries) {
            if (!(entry instanceof Entry.Describe)) {
                return Optional.of(entry);
            }
        }
        return Optional.empty();
    }

    /** The description the next DataRow belongs to; empty when unknown. */
    Optional<ResultDescriptions.Described> rows() {
        Entry head = entries.peekFirst();
        if (head instanceof Entry.Execute execute && currentOwner != head) {
            current = descriptions.portal(execute.portal()).orElse(null);
            currentOwner = head;
        }
        return head != null && currentOwner == head ? Optional.ofNullable(current) : Optional.empty();
    }

    /** The SQL of the simple Query being answered, if that is what is being answered. */
    Optional<String> simpleSql() {
        return entries.peekFirst() instanceof Entry.Query query ? Optional.of(query.sql) : Optional.empty();
    }

    /**
     * The lineage of the statement whose answers stream now (for its errors, notices and status reports), for the
     * caller's plan or ({@code trail}) the audit trail's; {@link MaskingLineage#NONE} between statements.
     */
    MaskingLineage lineage(boolean trail) {
        Lineage result = switch (entries.peekFirst()) {
            case Entry.Query query -> query.lineage;
            case Entry.Parse parse -> parse.lineage();
            case Entry.Bind bind -> descriptions.statementLineage(bind.statement());
            case Entry.Execute execute -> descriptions.portalLineage(execute.portal());
            case null, default -> Lineage.NONE;
        };
        return result.of(trail);
    }

    // ---- upstream-to-client thread: the server's answers ----

    /**
     * The server sent {@code frame} (as it sent it, whatever masking made of it): advances the conversation.
     * {@code recorded} is, for an ErrorResponse, the error as the audit may hold it.
     *
     * @throws CopyDesync when the server starts copying in while messages it will swallow were sent behind the COPY
     */
    void answer(Frame frame, Optional<ErrorResponse> recorded, Outcomes outcomes) {
        byte type = frame.type();
        if (type == 'D') {
            return; // the bulk of every result: nothing to advance
        }
        Entry head = entries.peekFirst();
        if (head instanceof Entry.Query query && !query.started) {
            // the server answers this query: it started, and dropped the unnamed statement and portal
            query.started = true;
            resolve(query.starting, true);
        }
        if (head instanceof Entry.QueryRefusal refusal) {
            resolve(refusal.changes(), true);
        }
        switch (type) {
            case 'G' -> onCopyIn();
            case 'C', 'E', 'Z' -> copyEnded();
            default -> { }
        }
        switch (type) {
            case '1' -> parsed(head);
            case '2' -> bound(head);
            case '3' -> {
                if (head instanceof Entry.Close close) {
                    entries.pollFirst();
                    names.resolve(close.change(), true);
                    descriptions.closed(close.target(), close.name());
                }
            }
            case 'T' -> described(((BackendMessage.RowDescription) BackendMessage.decode(frame)).fields(), head);
            case 'n' -> {
                if (head instanceof Entry.Describe describe) {
                    entries.pollFirst();
                    descriptions.described(describe.target(), describe.name(), List.of(), true);
                }
            }
            case 'C' -> completed(((BackendMessage.CommandComplete) BackendMessage.decode(frame)).tag(), head,
                    outcomes);
            case 'I' -> completed("EMPTY", head, outcomes);
            case 's' -> {
                endResult();
                if (head instanceof Entry.Execute execute) {
                    entries.pollFirst();
                    resolve(execute.changes(), true);
                    outcomes.suspended(execute);
                }
            }
            case 'E' -> failed(head, (ErrorResponse) BackendMessage.decode(frame),
                    recorded.orElse((ErrorResponse) BackendMessage.decode(frame)), outcomes);
            case 'Z' -> {
                readiesSeen.incrementAndGet();
                endResult();
                drainToReady(outcomes);
                names.ready(((BackendMessage.ReadyForQuery) BackendMessage.decode(frame)).status());
            }
            default -> { }
        }
    }

    private void parsed(Entry head) {
        if (head instanceof Entry.Parse parse) {
            entries.pollFirst();
            names.resolve(parse.change(), true);
            descriptions.parsed(parse.name(), parse.lineage());
        } else if (head instanceof Entry.ExtendedRefusal refusal) {
            refusal.answered++;
            descriptions.parsed("", Lineage.NONE);
        }
    }

    private void bound(Entry head) {
        if (head instanceof Entry.Bind bind) {
            entries.pollFirst();
            names.resolve(bind.change(), true);
            descriptions.bound(bind.portal(), bind.statement(), bind.formats());
        } else if (head instanceof Entry.ExtendedRefusal refusal) {
            refusal.answered++;
            descriptions.bound("", "", new short[0]);
        }
    }

    /** RowDescription: the columns of the rows that follow (Query) or of a described statement or portal. */
    private void described(List<Field> fields, Entry head) {
        switch (head) {
            case Entry.Query query -> {
                current = ResultDescriptions.Described.of(fields, query.lineage);
                currentOwner = query;
            }
            case Entry.Describe describe -> {
                entries.pollFirst();
                descriptions.described(describe.target(), describe.name(), fields, false);
            }
            case null, default -> { }
        }
    }

    private void completed(String tag, Entry head, Outcomes outcomes) {
        endResult();
        switch (head) {
            case Entry.Query query -> {
                query.tag = tag;
                long rows = new BackendMessage.CommandComplete(tag).rows();
                if (rows >= 0) {
                    query.rows = Math.max(query.rows, 0) + rows;
                }
                if (query.completed < query.changes.size()) {
                    resolve(query.changes.get(query.completed++), true);
                }
            }
            case Entry.Execute execute -> {
                entries.pollFirst();
                resolve(execute.changes(), true);
                outcomes.executed(execute, tag);
            }
            case null, default -> { }
        }
        names.completed(tag);
    }

    private void failed(Entry head, ErrorResponse error, ErrorResponse recorded, Outcomes outcomes) {
        endResult();
        names.failed();
        switch (head) {
            case Entry.Query query -> {
                if (query.sqlState.isEmpty()) { // the first error: one Sluice's masking raised may come before
                    query.sqlState = recorded.sqlState();
                    query.error = recorded.message();
                }
                // the failing statement and every later one of the string did not run; a Query skips nothing
                while (query.completed < query.changes.size()) {
                    resolve(query.changes.get(query.completed++), false);
                }
            }
            case Entry.QueryRefusal refusal -> {
                // Sluice's own error, in place of the client's Query: a simple Query skips nothing
            }
            case Entry.ExtendedRefusal refusal -> {
                entries.pollFirst();
                // Sluice's Parse and Bind replaced the unnamed statement and portal if the server got to its error
                resolve(refusal.changes, refusal.answered == 2 && PostgresErrors.isRaised(error, refusal.message));
                skipToSync(outcomes);
            }
            case Entry.Sync sync -> { }
            case null -> { }
            default -> { // an Execute, or a Parse, Bind, Close or Describe
                entries.pollFirst();
                if (head instanceof Entry.NameChange change) {
                    names.refused(change.change());
                }
                // The execution this Parse or Bind prepared fails with it (Bind plans the statement: 1/0 fails
                // there): its audited outcome is this error.
                while (!(head instanceof Entry.Execute) && entries.peekFirst() instanceof Entry next
                        && (next instanceof Entry.NameChange || next instanceof Entry.Describe)) {
                    resolveFailed(entries.pollFirst());
                }
                Entry failing = head instanceof Entry.Execute ? head : entries.peekFirst();
                if (failing instanceof Entry.Execute execute) {
                    if (failing != head) {
                        entries.pollFirst();
                    }
                    resolve(execute.changes(), false);
                    outcomes.failed(execute, recorded.sqlState(), recorded.message(), false);
                }
                skipToSync(outcomes);
            }
        }
    }

    /** A Parse, Bind or Close that did not take effect; a Describe that was not answered. */
    private void resolveFailed(Entry entry) {
        if (entry instanceof Entry.NameChange change) {
            names.resolve(change.change(), false);
        }
    }

    /**
     * After an error in an extended-query batch the server skips every message up to Sync, a Query included: so do
     * the entries that were waiting (their ReadyForQuery, if any, never comes).
     */
    private void skipToSync(Outcomes outcomes) {
        while (true) {
            switch (entries.peekFirst()) {
                case Entry.Execute execute -> {
                    entries.pollFirst();
                    resolve(execute.changes(), false);
                    outcomes.failed(execute, "", NOT_EXECUTED, true);
                }
                case Entry.ExtendedRefusal refusal -> {
                    entries.pollFirst();
                    resolve(refusal.changes, false);
                }
                case Entry.Query query when !query.started -> {
                    entries.pollFirst();
                    resolve(query.starting, false);
                    query.changes.forEach(changes -> resolve(changes, false));
                    query.error = NOT_EXECUTED;
                    readiesSeen.incrementAndGet();
                    outcomes.queryEnded(query, true);
                }
                case Entry.QueryRefusal refusal -> {
                    entries.pollFirst();
                    resolve(refusal.changes(), false);
                    readiesSeen.incrementAndGet();
                }
                case Entry.NameChange change -> resolveFailed(entries.pollFirst());
                case Entry.Describe describe -> entries.pollFirst();
                case null, default -> {
                    return;
                }
            }
        }
    }

    /** ReadyForQuery answers the Query or Sync it ends: what was expected before it and got no answer failed. */
    private void drainToReady(Outcomes outcomes) {
        while (true) {
            Entry entry = entries.pollFirst();
            switch (entry) {
                case null -> {
                    return;
                }
                case Entry.Query query -> {
                    resolve(query.starting, query.started);
                    while (query.completed < query.changes.size()) {
                        resolve(query.changes.get(query.completed++), false);
                    }
                    outcomes.queryEnded(query, false);
                    return;
                }
                case Entry.QueryRefusal refusal -> {
                    return;
                }
                case Entry.Sync sync -> {
                    return;
                }
                case Entry.Execute execute -> {
                    resolve(execute.changes(), false);
                    outcomes.failed(execute, "", "no result before Sync", false);
                }
                case Entry.ExtendedRefusal refusal -> resolve(refusal.changes, false);
                default -> resolveFailed(entry);
            }
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
            boolean afterRun = false;
            for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
                Entry entry = it.next();
                if (!afterRun) {
                    afterRun = entry instanceof Entry.Query || entry instanceof Entry.Execute;
                } else if (entry instanceof Entry.Sync) {
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

    private void resolve(long[] changes, boolean done) {
        for (long change : changes) {
            names.resolve(change, done);
        }
    }

    private void endResult() {
        current = null;
        currentOwner = null;
    }
}
