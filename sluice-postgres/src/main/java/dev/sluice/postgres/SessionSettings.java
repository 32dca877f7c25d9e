package dev.sluice.postgres;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import dev.sluice.postgres.sql.ClientEncodings;
import dev.sluice.postgres.sql.PinnedSettings;
import dev.sluice.postgres.wire.BackendMessage.ParameterStatus;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrontendMessage;

/**
 * One session's lexer state as the server holds it, kept so that Sluice reads each statement exactly as the server
 * will: the client encoding (statement text is decoded in it), and the backstop for the pinned settings of
 * {@link PinnedSettings}.
 * <p>
 * <b>Backstop.</b> Server-side code (a PL/pgSQL function, a trigger) can change a setting in ways no statement text
 * shows. The server reports {@code standard_conforming_strings} and {@code client_encoding} in a ParameterStatus
 * before the next ReadyForQuery; {@link #fromUpstream} sees every upstream frame first, and any report that a pinned
 * setting left its pin ends the session (fail closed). A change of client encoding to another accepted one is
 * tracked.
 * <p>
 * <b>The pipelining race.</b> Until that ReadyForQuery arrives, a client may already have pipelined the next
 * statement, which the server will read with the changed setting. Such a statement reads differently only if it
 * contains a backslash (standard_conforming_strings, backslash_quote) or a non-ASCII character (client_encoding:
 * outside ASCII the encodings differ; within it, all accepted ones agree). So {@link #pipelineRefusal} refuses a
 * statement holding either while anything that can run code is unsettled: a Query, Parse, Bind or Execute forwarded
 * whose answering ReadyForQuery Sluice has not yet seen, or one forwarded since the client's last Sync (the server
 * reports changes only at ReadyForQuery). {@code BEGIN}, {@code START TRANSACTION} and {@code SAVEPOINT} run no code
 * and are exempt (pgjdbc pipelines BEGIN before the first statement of every transaction): as the unnamed statement
 * or portal always, as a named one within the batch that parsed it (Sluice does not track which named statements the
 * server really holds; a cached named BEGIN bound in a later batch counts as code).
 * <p>
 * Threads: {@link #fromUpstream} and {@link #broken} on the upstream-to-client thread; everything else on the
 * client-to-upstream thread. The shared fields are volatile.
 */
final class SessionSettings {

    /** Named statements or portals remembered per batch as running no code; beyond, they count as running code. */
    private static final int MAX_BATCH_NAMES = 64;
    private static final Pattern RUNS_NO_CODE = Pattern.compile(
            "\\s*(?:(?:begin|start\\s+transaction)(?:\\s+[a-z ,\\s]*)?|savepoint\\s+[a-z_][a-z0-9_]*)\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);

    /** Ordinals of the ReadyForQuery answers expected so far and seen so far, as the {@link ResponseTracker} counts. */
    private final LongSupplier expected;
    private final LongSupplier answered;
    private volatile Charset charset;
    private volatile String serverEncoding;
    private volatile String broken = "";
    /** The ReadyForQuery that settles the last code-running message; client thread only. */
    private long settledAt;
    /** A code-running message was forwarded since the client's last Sync; client thread only. */
    private boolean riskyInBatch;
    /**
     * Whether the unnamed statement and portal run no code (exact: only Parse and Bind replace them), and the named
     * ones parsed or bound in this batch that run none (sound only within the batch: a named Parse that fails on the
     * server makes it skip the rest of the batch). Client thread only.
     */
    private boolean unnamedStatementRunsNoCode;
    private boolean unnamedPortalRunsNoCode;
    private final java.util.Set<String> batchStatementsRunningNoCode = new java.util.HashSet<>();
    private final java.util.Set<String> batchPortalsRunningNoCode = new java.util.HashSet<>();

    /**
     * @param startup  the upstream's ParameterStatus at startup (already checked by {@link PinnedSettings})
     * @param expected how many ReadyForQuery answers the forwarded messages will get (client thread)
     * @param answered how many ReadyForQuery the upstream sent so far (counted before the client sees each one)
     */
    SessionSettings(List<ParameterStatus> startup, LongSupplier expected, LongSupplier answered) {
        this.expected = expected;
        this.answered = answered;
        this.serverEncoding = value(startup, "server_encoding").orElse("UTF8");
        String client = value(startup, PinnedSettings.CLIENT_ENCODING).orElse(PinnedSettings.DEFAULT_CLIENT_ENCODING);
        // fail closed: an encoding Sluice cannot read is refused at startup; should one get here, read strict UTF-8
        this.charset = ClientEncodings.charset(client, serverEncoding).orElse(StandardCharsets.UTF_8);
    }

    /** Decodes a client message, its strings in the session's client encoding. */
    FrontendMessage decode(Frame frame) {
        return FrontendMessage.decode(frame, charset);
    }

    /** Why the session must end (a pinned setting left its pin); empty while it holds. */
    String broken() {
        return broken;
    }

    /**
     * Why statement {@code sql} (of a Query or Parse) must be refused now: it reads differently under a changed
     * setting, and the server may already have changed one without Sluice having seen the report; or the session is
     * ending. Empty when it may be judged as usual.
     */
    Optional<String> pipelineRefusal(String sql) {
        if (!broken.isEmpty()) {
            return Optional.of("the session is ending: " + broken);
        }
        if (!sensitive(sql) || (!riskyInBatch && answered.getAsLong() >= settledAt)) {
            return Optional.empty();
        }
        return Optional.of("a statement with a backslash or a non-ASCII character cannot run while an earlier "
                + "statement of the session is still running, which could change how the server reads it; send it "
                + "after the earlier results");
    }

    /**
     * Called after the client's {@code message} was handled (forwarded or refused) and its answer registered with the
     * tracker. Whatever could run code counts as unsettled until its ReadyForQuery; see the class comment.
     */
    void forwarded(FrontendMessage message) {
        switch (message) {
            case FrontendMessage.Query query -> {
                // a Query drops the unnamed statement, and its SQL may PREPARE or DECLARE any name
                unnamedStatementRunsNoCode = false;
                unnamedPortalRunsNoCode = false;
                batchStatementsRunningNoCode.clear();
                batchPortalsRunningNoCode.clear();
                // its ReadyForQuery also reports what an unsynced batch before it changed
                if (riskyInBatch || !runsNoCode(query.sql())) {
                    settledAt = expected.getAsLong();
                    riskyInBatch = false;
                }
            }
            case FrontendMessage.FunctionCall call -> settledAt = expected.getAsLong();
            case FrontendMessage.Parse parse -> {
                boolean none = runsNoCode(parse.query());
                if (parse.name().isEmpty()) {
                    unnamedStatementRunsNoCode = none;
                } else {
                    mark(batchStatementsRunningNoCode, parse.name(), none);
                }
                riskyInBatch |= !none;
            }
            case FrontendMessage.Bind bind -> {
                boolean none = bind.statement().isEmpty() ? unnamedStatementRunsNoCode
                        : batchStatementsRunningNoCode.contains(bind.statement());
                if (bind.portal().isEmpty()) {
                    unnamedPortalRunsNoCode = none;
                } else {
                    mark(batchPortalsRunningNoCode, bind.portal(), none);
                }
                riskyInBatch |= !none;
            }
            case FrontendMessage.Execute execute -> riskyInBatch |= !(execute.portal().isEmpty()
                    ? unnamedPortalRunsNoCode : batchPortalsRunningNoCode.contains(execute.portal()));
            case FrontendMessage.Sync sync -> {
                batchStatementsRunningNoCode.clear();
                batchPortalsRunningNoCode.clear();
                if (riskyInBatch) {
                    settledAt = expected.getAsLong();
                    riskyInBatch = false;
                }
            }
            default -> { }
        }
    }

    private static void mark(java.util.Set<String> names, String name, boolean runsNoCode) {
        if (runsNoCode && names.size() < MAX_BATCH_NAMES) {
            names.add(name);
        } else {
            names.remove(name);
        }
    }

    /**
     * Sees every upstream frame before anything else does. Tracks the client encoding; returns why the session must
     * end when the server reports a pinned setting off its pin.
     */
    Optional<String> fromUpstream(Frame frame) {
        if (frame.type() != 'S') {
            return Optional.empty();
        }
        byte[] payload = frame.payload();
        int nul = indexOf(payload, 0);
        // ISO-8859-1 is lossless: the names and accepted values are ASCII, anything else fails the comparisons
        String name = new String(payload, 0, Math.max(nul, 0), StandardCharsets.ISO_8859_1);
        int end = indexOf(payload, nul + 1);
        String value = nul < 0 || end < 0 ? "" : new String(payload, nul + 1, end - nul - 1,
                StandardCharsets.ISO_8859_1);
        switch (name) {
            case PinnedSettings.STANDARD_CONFORMING_STRINGS -> {
                if (!value.equals("on")) {
                    return end("the server reported standard_conforming_strings = " + value
                            + ", which Sluice pins on (changed by server-side code)");
                }
            }
            case PinnedSettings.CLIENT_ENCODING -> {
                Optional<Charset> next = ClientEncodings.accepted(value)
                        ? ClientEncodings.charset(value, serverEncoding) : Optional.empty();
                if (next.isEmpty()) {
                    return end("the server reported client_encoding = " + value
                            + ", which Sluice refuses (changed by server-side code)");
                }
                charset = next.get();
            }
            case "server_encoding" -> serverEncoding = value;
            default -> { }
        }
        return Optional.empty();
    }

    private Optional<String> end(String reason) {
        broken = reason;
        return Optional.of(reason);
    }

    /** Whether the server could read {@code sql} differently with another pinned-setting value. */
    static boolean sensitive(String sql) {
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '\\' || c > 0x7f) {
                return true;
            }
        }
        return false;
    }

    static boolean runsNoCode(String statement) {
        return RUNS_NO_CODE.matcher(statement).matches();
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = Math.max(from, 0); i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static Optional<String> value(List<ParameterStatus> statuses, String name) {
        return statuses.stream().filter(s -> s.name().equals(name)).map(ParameterStatus::value).findFirst();
    }
}
