package dev.sluice.ssh;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.CommandOutcome;
import dev.sluice.core.audit.SessionRecorder;
import dev.sluice.core.session.RecordingContext;

/**
 * Records an SSH session as an asciicast v2 stream (format {@value #FORMAT}), cut into
 * {@link AuditEvent.RecordingChunk}s inside the audit hash chain. Concatenating a session's chunks in index order gives
 * a file the standard asciinema player plays: the header line, then {@code [time, "o", text]} for terminal and exec
 * output, {@code [time, "i", text]} for input (masked), {@code [time, "r", "COLSxROWS"]} for window changes and
 * {@code [time, "m", text]} markers for each judged command, its outcome, and each line the user was observed typing
 * in a shell.
 *
 * <p>Memory is bounded: events are buffered up to {@link #CHUNK_CHARS} characters and then appended (without waiting
 * for durability); each command's recorded output is capped at {@link #MAX_OUTPUT_PER_COMMAND} characters. Every text
 * goes through the session's masking before it is kept. Thread-safe (channels record from their own threads).
 */
final class Asciicast implements SessionRecorder {
    static final String FORMAT = "asciicast/v2";
    static final int CHUNK_CHARS = 32 * 1024;
    static final int MAX_OUTPUT_PER_COMMAND = 1024 * 1024;
    private static final Duration FLUSH_AFTER = Duration.ofSeconds(2);

    private final RecordingContext recording;
    private final UnaryOperator<String> mask;
    private final Clock clock;
    private final Instant started;
    private final ReentrantLock lock = new ReentrantLock();
    private final StringBuilder buffer = new StringBuilder();
    private long index;
    private Instant lastFlush;
    private boolean headerWritten;
    private boolean ended;

    Asciicast(RecordingContext recording, UnaryOperator<String> mask) {
        this.recording = recording;
        this.mask = mask;
        this.clock = recording.clock();
        this.started = clock.instant();
        this.lastFlush = started;
    }

    boolean enabled() {
        return recording.config().enabled();
    }

    /** Writes the header (once, before any event): the terminal size of the first channel that has one. */
    void header(int width, int height, String term) {
        lock.lock();
        try {
            if (!headerWritten) {
                buffer.append("{\"version\":2,\"width\":").append(Math.max(1, width)).append(",\"height\":")
                        .append(Math.max(1, height)).append(",\"timestamp\":").append(started.getEpochSecond())
                        .append(",\"env\":{\"TERM\":").append(json(term)).append("}}\n");
                headerWritten = true;
            }
        } finally {
            lock.unlock();
        }
    }

    void output(String text) {
        event("o", text);
    }

    void input(String text) {
        event("i", text);
    }

    void resize(int columns, int rows) {
        event("r", columns + "x" + rows);
    }

    void marker(String text) {
        event("m", text);
    }

    @Override
    public void onCommand(long commandId, String text, List<String> parameters, String verdict, String reason) {
        event("m", "#" + commandId + " " + verdict + ": " + text + (reason.isEmpty() ? "" : " (" + reason + ")"));
    }

    @Override
    public void onResult(long commandId, CommandOutcome outcome, Duration duration) {
        event("m", "#" + commandId + " " + outcome.tag() + (outcome.error().isEmpty() ? "" : ": " + outcome.error())
                + " in " + duration.toMillis() + " ms");
        flush(true);
    }

    @Override
    public void onEnd() {
        lock.lock();
        try {
            flush(true);
            ended = true;
        } finally {
            lock.unlock();
        }
    }

    private void event(String code, String text) {
        if (!enabled()) {
            return;
        }
        lock.lock();
        try {
            if (ended) {
                return;
            }
            header(80, 24, "xterm");
            double seconds = Duration.between(started, clock.instant()).toNanos() / 1e9;
            buffer.append('[').append(String.format(java.util.Locale.ROOT, "%.6f", seconds)).append(", \"")
                    .append(code).append("\", ").append(json(code.equals("r") ? text : mask.apply(text)))
                    .append("]\n");
            flush(false);
        } finally {
            lock.unlock();
        }
    }

    private void flush(boolean force) {
        lock.lock();
        try {
            Instant now = clock.instant();
            boolean due = buffer.length() >= CHUNK_CHARS || Duration.between(lastFlush, now).compareTo(FLUSH_AFTER) > 0;
            if (buffer.isEmpty() || !force && !due) {
                return;
            }
            String content = buffer.toString();
            buffer.setLength(0);
            lastFlush = now;
            try {
                recording.audit().appendLater(new AuditEvent.RecordingChunk(now, recording.context(), FORMAT,
                        index++, content));
            } catch (RuntimeException e) {
                // The recording is evidence, not the verdict: commands are audited durably by the session itself.
            }
        } finally {
            lock.unlock();
        }
    }

    static String json(String text) {
        StringBuilder result = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> result.append("\\\"");
                case '\\' -> result.append("\\\\");
                case '\n' -> result.append("\\n");
                case '\r' -> result.append("\\r");
                case '\t' -> result.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogate(text, i)) {
                        result.append(String.format("\\u%04x", (int) c));
                    } else {
                        result.append(c);
                    }
                }
            }
        }
        return result.append('"').toString();
    }

    private static boolean validSurrogate(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }
}
