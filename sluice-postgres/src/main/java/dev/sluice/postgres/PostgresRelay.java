package dev.sluice.postgres;

import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.audit.AuditWriteException;
import dev.sluice.core.audit.SqlRecorder;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.GatewaySession;
import dev.sluice.core.session.Submission;
import dev.sluice.core.spi.Dialer;
import dev.sluice.postgres.PostgresCommandMapper.Mapped;
import dev.sluice.postgres.PostgresNamespace.Change;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.postgres.wire.WireException;

/**
 * The full-duplex relay of one authenticated PostgreSQL session. Exactly two virtual threads: the session's own
 * thread runs client-to-upstream ({@link #run}), submitting every Query and Execute to the {@link GatewaySession}; a
 * second one, started in a per-session executor closed on exit, runs upstream-to-client: each backend frame goes
 * through the {@link MaskingRelay}, then the {@link ResponseTracker}, which advances the session's one
 * {@link Conversation} with it. The client-to-upstream thread tells the conversation what each message it forwards
 * expects before writing it.
 *
 * <p>A refused statement is never forwarded. Instead Sluice makes the upstream server raise the refusal itself
 * (SQLSTATE 42501, {@link PostgresErrors#raiseStatement}), in the same position of the message stream: so the
 * answer arrives in order behind anything still in flight, an open transaction block fails on the server exactly as
 * the client is told, and the extended protocol resynchronises at the client's own Sync.
 *
 * <p>Writes to the client come only from the upstream-to-client thread, except the final protocol-violation error,
 * which takes {@link #clientLock}.
 */
final class PostgresRelay {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresRelay.class);

    private static final String PROTOCOL_VIOLATION = "protocol violation: ";

    private final Socket client;
    private final RelayInput clientInput;
    private final FrameReader clientReader;
    private final FrameWriter clientWriter;
    private final PostgresUpstream upstream;
    private final GatewaySession guard;
    private final Dialer dialer;
    private final PostgresCommandMapper mapper;
    private final Conversation conversation;
    private final ResponseTracker tracker;
    private final MaskingRelay masking;
    private final SessionSettings settings;
    private final Clock clock;
    private final ReentrantLock clientLock = new ReentrantLock();
    /** Reads the client during and just after a statement held for approval; null otherwise. */
    private ClientReadAhead readAhead;
    /** A CancelRequest for this session arrived (set by the cancel's connection thread). */
    private volatile boolean cancelRequested;
    /** The held statement about to be refused was withdrawn by a cancel: refuse it with 57014. */
    private boolean withdrawnByCancel;
    /** Resolves fast-path function calls; opened on the session's first one (client-to-upstream thread). */
    private FastPathCalls fastPath;
    /** Why Sluice ended the session itself (an access grant expired); empty otherwise. */
    private volatile String terminated = "";

    PostgresRelay(Socket client, RelayInput clientInput, FrameReader clientReader, FrameWriter clientWriter,
                  PostgresUpstream upstream, GatewaySession guard, SqlRecorder recorder, Dialer dialer,
                  PostgresCommandMapper mapper, Clock clock) {
        this.client = client;
        this.clientInput = clientInput;
        this.clientReader = clientReader;
        this.clientWriter = clientWriter;
        this.upstream = upstream;
        this.guard = guard;
        this.dialer = dialer;
        this.mapper = mapper;
        this.conversation = new Conversation(mapper.names());
        this.masking = MaskingRelay.forSession(guard, dialer, upstream.parameters(), conversation);
        this.tracker = new ResponseTracker(conversation, guard, recorder, clock, masking::takeCounts);
        this.clock = clock;
        this.settings = new SessionSettings(upstream.parameters(), conversation::readiesExpected,
                conversation::readiesSeen);
    }

    /** Relays until either side closes; returns why the session ended. */
    String run() {
        try (ExecutorService scope = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> backend = scope.submit(this::upstreamToClient);
            String result = clientToUpstream();
            upstream.shutdownOutput();
            try {
                String backendEnd = backend.get();
                tracker.finish();
                if (!terminated.isEmpty()) {
                    return terminated;
                }
                // a client's protocol violation is why the upstream went away: it is the reason recorded
                return backendEnd.isEmpty() || result.startsWith(PROTOCOL_VIOLATION) ? result : backendEnd;
            } catch (Exception e) {
                return result;
            }
        } finally {
            masking.close();
            if (fastPath != null) {
                fastPath.close();
            }
            upstream.close();
        }
    }

    private String clientToUpstream() {
        try {
            while (true) {
                Frame frame = nextFrame();
                if (!terminated.isEmpty()) {
                    // fail closed: Sluice ended the session (set before the FATAL went out): a message the client
                    // sent after it, or raced with it, is neither judged, audited nor forwarded
                    return terminated;
                }
                guard.countFromClient(frame.wireLength());
                if (!handle(frame)) {
                    return "client terminated";
                }
                // While a read-ahead owns the stream, available() would block on the stream's lock: ask the queue.
                if (readAhead != null ? !readAhead.hasQueued() : clientInput.buffered() == 0) {
                    upstream.writer().flush();
                }
            }
        } catch (EOFException e) {
            return "client closed";
        } catch (WireException e) {
            refuseProtocol(e.getMessage());
            return PROTOCOL_VIOLATION + e.getMessage();
        } catch (AuditWriteException e) {
            // Fail closed: without an audit trail nothing more is forwarded in this session.
            LOG.error("session {}: audit write failed, closing the session", guard.context().session(), e);
            fatal(PostgresErrors.SYSTEM_ERROR, "Sluice cannot record this statement in its audit trail; refused");
            return "audit unavailable";
        } catch (IOException e) {
            return "connection lost: " + e.getMessage();
        }
    }

    /** Handles one client message; false after Terminate. */
    private boolean handle(Frame frame) throws IOException {
        FrontendMessage message = settings.decode(frame); // in the session's client encoding
        if (!settings.broken().isEmpty()) {
            return false; // fail closed: a pinned setting changed; nothing more goes upstream
        }
        // after a refusal in an extended-query batch the server skips to Sync: the client's messages are dropped
        if (conversation.skipsToSync() && !(message instanceof FrontendMessage.Sync)
                && !(message instanceof FrontendMessage.Flush) && !(message instanceof FrontendMessage.Terminate)) {
            return true;
        }
        if (conversation.copyingIn() && !(message instanceof FrontendMessage.CopyData
                || message instanceof FrontendMessage.CopyDone || message instanceof FrontendMessage.CopyFail
                || message instanceof FrontendMessage.Flush || message instanceof FrontendMessage.Sync
                || message instanceof FrontendMessage.Terminate)) {
            // fail closed: the server would swallow it unanswered, and Sluice could no longer pair the answers
            throw new dev.sluice.postgres.wire.MalformedMessageException(Conversation.DURING_COPY);
        }
        switch (message) {
            case FrontendMessage.Query query -> {
                if (!refusedForSettings(query.sql(), false)) {
                    onQuery(frame, query);
                }
            }
            case FrontendMessage.Parse parse -> {
                if (!refusedForSettings(parse.query(), true)) {
                    onParse(frame, parse);
                }
            }
            case FrontendMessage.Bind bind -> onBind(frame, bind);
            case FrontendMessage.Execute execute -> onExecute(frame, execute);
            case FrontendMessage.Sync sync -> {
                if (conversation.expect(new Entry.Sync())) {
                    mapper.names().boundary();
                } // else the server copies in and ignores this Sync
                upstream.writer().write(frame);
            }
            case FrontendMessage.Close close -> onClose(frame, close);
            case FrontendMessage.FunctionCall call -> onFunctionCall(frame, call);
            case FrontendMessage.Terminate terminate -> {
                upstream.writer().write(frame);
                upstream.writer().flush();
                return false;
            }
            case FrontendMessage.Describe describe -> onDescribe(frame, describe);
            case FrontendMessage.Flush flush -> upstream.writer().write(frame);
            case FrontendMessage.CopyData data -> upstream.writer().write(frame);
            case FrontendMessage.CopyDone done -> {
                conversation.copyEnded();
                upstream.writer().write(frame);
            }
            case FrontendMessage.CopyFail fail -> {
                conversation.copyEnded();
                upstream.writer().write(frame);
            }
            default -> throw new dev.sluice.postgres.wire.MalformedMessageException(
                    "unexpected message type '" + (char) frame.type() + "' after startup");
        }
        settings.forwarded(message);
        return true;
    }

    /**
     * Refuses a Query or Parse whose text the server could read differently under a setting that server-side code
     * may have just changed (see {@link SessionSettings}); false when it may be judged as usual.
     */
    private boolean refusedForSettings(String sql, boolean extended) throws IOException {
        Optional<String> reason = settings.pipelineRefusal(sql);
        if (reason.isEmpty()) {
            return false;
        }
        String message = refusal(CommandRequest.refused(sql, mapper.mapQuery(sql).commands(), reason.get()));
        if (extended) {
            refuseExtended(message);
        } else {
            refuseSimple(message);
        }
        return true;
    }

    private void onQuery(Frame frame, FrontendMessage.Query query) throws IOException {
        // a simple Query's errors skip nothing after it: what it and the messages before it change stays uncertain
        mapper.names().boundary();
        Conversation.Lineage lineage = masking.lineage(query.sql());
        Mapped mapped = masking.screen(mapper.mapQuery(query.sql()));
        Submission submission = submit(request(mapped.audited(query.sql()), List.of(), mapped));
        if (submission instanceof Submission.Forward forward) {
            long[] starting = mapper.simpleQueryStarts();
            List<long[]> changes = mapper.admitted(mapped, forward.commandId());
            conversation.expect(new Entry.Query(forward.commandId(), query.sql(), lineage, clock.instant(), starting,
                    changes, ""));
            mapper.names().boundary();
            upstream.writer().write(frame);
        } else {
            refuseSimple(((Submission.Refuse) submission).message());
        }
    }

    /**
     * A fast-path function call (large objects): judged, held and audited as the {@code SELECT "schema"."name"($1,
     * ..)} it amounts to, with its arguments as parameters (see {@link FastPathCalls}); forwarded as it is when
     * allowed. Answered like a simple Query (FunctionCallResponse or ErrorResponse, then ReadyForQuery).
     */
    private void onFunctionCall(Frame frame, FrontendMessage.FunctionCall call) throws IOException {
        FastPathCalls.Call decoded = FastPathCalls.decode(call.payload());
        String what = "-- Sluice: fast-path call of function OID " + Integer.toUnsignedString(decoded.oid());
        if (masking.masksResults()) {
            // fail closed: a FunctionCallResponse is not a result masking reads
            refuseSimple(refusal(CommandRequest.refused(what, List.of(), "the fast-path function call interface "
                    + "is refused by Sluice for a caller with masking rules: its results cannot be masked; use SQL")));
            return;
        }
        Optional<FastPathCalls.Resolved> resolved;
        try {
            resolved = fastPath().resolve(decoded);
        } catch (IOException e) {
            LOG.warn("session {}: fast-path function lookup failed: {}", guard.context().session(), e.getMessage());
            resolved = Optional.empty();
        }
        if (resolved.isEmpty()) {
            // fail closed: Sluice cannot tell what the server would call
            refuseSimple(refusal(CommandRequest.refused(what, List.of(), "function OID "
                    + Integer.toUnsignedString(decoded.oid()) + " is not a function Sluice can see in the catalog")));
            return;
        }
        String sql = resolved.get().text();
        Mapped mapped = mapper.mapQuery(sql);
        String text = mapped.audited(sql + "\n" + what);
        CommandRequest request = mapped.commands().size() != 1
                || !mapped.commands().getFirst().kinds().contains("SELECT")
                // fail closed: a resolved call reads as one SELECT of a function, never as anything else
                ? new CommandRequest(text, resolved.get().parameters(), mapped.commands(),
                        Optional.of("the fast-path call does not read as one function call"))
                : request(text, resolved.get().parameters(), mapped);
        Submission submission = submit(request);
        if (submission instanceof Submission.Forward forward) {
            mapper.names().boundary();
            // fail closed: a FunctionCallResponse is no result masking reads (refused above under masking rules)
            conversation.expect(new Entry.Query(forward.commandId(), "", Conversation.Lineage.FAIL_CLOSED,
                    clock.instant(), new long[0], List.of(), "FUNCTION CALL"));
            upstream.writer().write(frame);
        } else {
            refuseSimple(((Submission.Refuse) submission).message());
        }
    }

    private FastPathCalls fastPath() {
        if (fastPath == null) {
            fastPath = new FastPathCalls(guard.grant(), dialer);
        }
        return fastPath;
    }

    private void onParse(Frame frame, FrontendMessage.Parse parse) throws IOException {
        Conversation.Lineage lineage = masking.lineage(parse.query());
        Mapped mapped = masking.screen(mapper.parse(parse.name(), parse.query(), parse.parameterTypes()));
        // Judged at Parse so that a refused statement is never even prepared upstream; only a refusal is audited
        // here, an allowed statement is audited at each Execute, with its parameters. A held statement is prepared
        // (that runs nothing): it waits for its approval at Execute. A name that exists is not refused here: the
        // server refuses it (42P05) and keeps the old statement, and so does Sluice once it sees the error.
        Optional<Submission.Refuse> refused = guard.screen(request(mapped.audited(parse.query()), List.of(), mapped));
        if (refused.isPresent()) {
            refuseExtended(refused.get().message());
            return;
        }
        conversation.expect(new Entry.Parse(mapper.register(mapped.changes().getFirst().getFirst()), parse.name(),
                lineage));
        upstream.writer().write(frame);
    }

    private void onBind(Frame frame, FrontendMessage.Bind bind) throws IOException {
        Optional<Change> change = mapper.bind(bind);
        if (change.isEmpty()) {
            // fail closed: Sluice cannot tell what the server would bind
            refuseName("Bind of portal \"" + bind.portal() + "\" to statement \"" + bind.statement() + "\"",
                    "prepared statement \"" + bind.statement() + "\" was not prepared through Sluice in this session");
            return;
        }
        conversation.expect(new Entry.Bind(mapper.register(change.get()), bind.portal(), bind.statement(),
                bind.resultFormats()));
        upstream.writer().write(frame);
    }

    private void onClose(Frame frame, FrontendMessage.Close close) throws IOException {
        PostgresNamespace.Space space = close.target() == 'S' ? PostgresNamespace.Space.STATEMENT
                : PostgresNamespace.Space.PORTAL;
        conversation.expect(new Entry.Close(mapper.register(new Change.Remove(space, close.name())), close.target(),
                close.name()));
        upstream.writer().write(frame);
    }

    private void onDescribe(Frame frame, FrontendMessage.Describe describe) throws IOException {
        if (!mapper.known(describe.target(), describe.name())) {
            // fail closed: a name Sluice does not know is refused, even to describe it
            String what = (describe.target() == 'S' ? "prepared statement \"" : "portal \"") + describe.name() + "\"";
            refuseName("Describe of " + what, what + " is not known to Sluice in this session");
            return;
        }
        conversation.expect(new Entry.Describe(describe.target(), describe.name()));
        upstream.writer().write(frame);
    }

    private void onExecute(Frame frame, FrontendMessage.Execute execute) throws IOException {
        java.util.OptionalLong running = mapper.executedAs(execute.portal());
        if (running.isPresent()) {
            // More rows of a portal already judged, audited and run (a cursor-style fetch with a row limit): the
            // statement does not run again, so it is neither judged nor audited again; its result counts every chunk.
            conversation.expect(new Entry.Execute(running.getAsLong(), clock.instant(), new long[0],
                    execute.portal()));
            upstream.writer().write(frame);
            return;
        }
        Optional<PostgresCommandMapper.Run> run = mapper.execute(execute.portal());
        if (run.isEmpty()) {
            refuseName("Execute of portal \"" + execute.portal() + "\"",
                    "portal \"" + execute.portal() + "\" was not bound through Sluice in this session");
            return;
        }
        PostgresCommandMapper.Run p = run.get();
        // Judged again at every Execute, with its names resolved as they are now: a policy reloaded since Parse
        // applies, and so does whatever a name it runs (EXECUTE q, FETCH c) was redefined to.
        Submission submission = submit(request(p.mapped().audited(p.text()), p.parameters(), p.mapped()));
        if (submission instanceof Submission.Forward forward) {
            long[] changes = mapper.admitted(p.mapped(), forward.commandId()).stream()
                    .flatMapToLong(java.util.Arrays::stream).toArray();
            conversation.expect(new Entry.Execute(forward.commandId(), clock.instant(), changes, execute.portal()));
            mapper.executed(execute.portal(), forward.commandId());
            upstream.writer().write(frame);
        } else {
            refuseExtended(((Submission.Refuse) submission).message());
        }
    }

    /** A protocol message naming something Sluice does not know: audited as refused, then refused (fail closed). */
    private void refuseName(String what, String reason) throws IOException {
        refuseExtended(refusal(CommandRequest.refused(what, List.of(), reason)));
    }

    private static CommandRequest request(String text, List<String> parameters, Mapped mapped) {
        return new CommandRequest(text, parameters, mapped.commands(), mapped.refusal());
    }

    /** A refusal the relay decided: recorded by the session; the words to refuse with. */
    private String refusal(CommandRequest request) throws IOException {
        return ((Submission.Refuse) submit(request)).message();
    }

    /**
     * Submits one command to the session: judged, held, recorded. A held statement waits inside: what came before
     * it is flushed upstream, the client is read ahead (to notice a disconnect or a cancel) and nothing more is
     * forwarded until the request is decided.
     */
    private Submission submit(CommandRequest request) throws IOException {
        RelayHold watch = new RelayHold();
        try {
            Submission result = guard.submit(request, watch);
            withdrawnByCancel = watch.started() && cancelRequested && !result.allowed();
            return result;
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } finally {
            watch.release();
        }
    }

    /** The relay's side of a hold: gets the session ready to wait, then tells the client and watches it. */
    private final class RelayHold implements HoldWatch {
        private PostgresHold watching;
        private ClientReadAhead reading;

        @Override
        public void holding() {
            try {
                upstream.writer().flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            cancelRequested = false;
            if (readAhead == null) {
                readAhead = ClientReadAhead.start(clientReader);
            }
            reading = readAhead;
            watching = new PostgresHold(clientLock, clientWriter, reading, () -> cancelRequested);
        }

        @Override
        public void waiting(String message) {
            watching.waiting(message);
        }

        @Override
        public Optional<String> abandoned() {
            return watching.abandoned();
        }

        boolean started() {
            return watching != null;
        }

        void release() {
            if (reading != null) {
                reading.release();
            }
        }
    }

    /** The next client frame: from the read-ahead while it still holds some, else from the stream. */
    private Frame nextFrame() throws IOException {
        clientReader.consumed(); // the frame handed out before is done: its message memory goes back
        if (readAhead != null) {
            Optional<Frame> frame = readAhead.next();
            if (frame.isPresent()) {
                return frame.get();
            }
            readAhead = null;
        }
        return clientReader.read();
    }

    /** A CancelRequest for this session: withdraws a held statement (answered 57014). */
    void cancelHold() {
        cancelRequested = true;
    }

    /** Ends the session from outside (an access grant expired): FATAL 57P01 to the client, then close. */
    void terminate(String reason) {
        terminated = reason;
        fatal(PostgresErrors.ADMIN_SHUTDOWN, reason);
    }

    private String refusalState() {
        String result = withdrawnByCancel ? PostgresErrors.QUERY_CANCELED : PostgresErrors.INSUFFICIENT_PRIVILEGE;
        withdrawnByCancel = false;
        return result;
    }

    private void refuseSimple(String message) throws IOException {
        conversation.expect(new Entry.QueryRefusal(message, mapper.simpleQueryStarts()));
        mapper.names().boundary();
        FrontendMessage.Query raise = new FrontendMessage.Query(PostgresErrors.raiseStatement(refusalState(), message));
        upstream.writer().write(raise);
    }

    private void refuseExtended(String message) throws IOException {
        // Sluice's own Parse and Bind replace the unnamed statement and portal (unless the server skips them)
        conversation.expect(new Entry.ExtendedRefusal(message, mapper.refusalReplacesUnnamed()));
        List<FrontendMessage> raise = List.of(
                new FrontendMessage.Parse("", PostgresErrors.raiseStatement(refusalState(), message), new int[0]),
                new FrontendMessage.Bind("", "", new short[0], new byte[0][], new short[0]),
                new FrontendMessage.Execute("", 0));
        for (FrontendMessage m : raise) {
            upstream.writer().write(m);
        }
    }

    private String upstreamToClient() {
        try {
            while (true) {
                upstream.reader().consumed(); // the frame before is written out: its message memory goes back
                Frame frame = readUpstream();
                Frame masked = masking.onFrame(frame); // null: withheld (the rest of a result masking refused)
                if (frame.type() == 'D' && (masked == null || masked.type() == 'D')) { // most frames: no lists
                    if (tracker.onDataRow(masked, masking.audited())) {
                        writeToClient(masked);
                    }
                } else {
                    // the tracker advances the conversation with the server's own frame, whatever the client gets
                    for (Frame out : tracker.onFrame(frame, masked, masking.audited())) {
                        writeToClient(out);
                    }
                }
                if (upstream.input().buffered() == 0) {
                    flushClient();
                }
            }
        } catch (SettingsChanged e) {
            return e.getMessage();
        } catch (Conversation.CopyDesync e) {
            return endSession(e.getMessage());
        } catch (EOFException e) {
            closeClient();
            return "";
        } catch (IOException | WireException e) {
            closeClient();
            return "upstream connection lost";
        }
    }

    /** The next upstream frame, seen by {@link SessionSettings} before anything else (see {@link #endForSettings}). */
    private Frame readUpstream() throws IOException {
        Frame result = upstream.reader().read();
        Optional<String> unpinned = settings.fromUpstream(result);
        if (unpinned.isPresent()) {
            throw new SettingsChanged(endForSettings(unpinned.get()));
        }
        return result;
    }

    /** The server reported a pinned setting changed: the session was ended; the message is why. */
    private static final class SettingsChanged extends IOException {
        SettingsChanged(String reason) {
            super(reason);
        }
    }

    /**
     * Fail closed: the server reported a pinned setting changed (server-side code did it). The upstream is closed at
     * once, so nothing the client pipelined behind it runs; the client gets a FATAL and the end is audited.
     */
    private String endForSettings(String reason) {
        return endSession(reason);
    }

    /** Fail closed: Sluice can no longer judge this session; the upstream is closed at once, the client told. */
    private String endSession(String reason) {
        LOG.warn("session {}: {}; ending the session", guard.context().session(), reason);
        upstream.close();
        terminate("Sluice ended the session: " + reason);
        return terminated;
    }

    private void writeToClient(Frame frame) throws IOException {
        guard.countToClient(frame.wireLength());
        clientLock.lock();
        try {
            clientWriter.write(frame);
        } finally {
            clientLock.unlock();
        }
    }

    private void flushClient() throws IOException {
        clientLock.lock();
        try {
            clientWriter.flush();
        } finally {
            clientLock.unlock();
        }
    }

    private void refuseProtocol(String message) {
        fatal(PostgresErrors.PROTOCOL_VIOLATION, "invalid message from client: " + message);
    }

    private void fatal(String sqlState, String message) {
        clientLock.lock();
        try {
            clientWriter.write(PostgresErrors.fatal(sqlState, message));
            clientWriter.flush();
        } catch (IOException e) {
            // the client is gone already
        } finally {
            clientLock.unlock();
        }
        closeClient();
    }

    private void closeClient() {
        try {
            client.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
