package dev.sluice.server;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real psql process running many commands through Sluice in <em>one</em> session, each sent exactly as
 * {@code psql -c} sends it (the whole text as one simple Query, whatever it holds), so a corpus costs one login
 * instead of one per line. After each command psql writes a marker to both streams and, when {@code paced}, waits
 * on a FIFO of the test's ({@code \! read}) until {@link #next} asks for the following command: the test can check
 * the database between two commands. Standard input is empty, as for {@code psql -c} run on its own (a
 * {@code COPY FROM STDIN} reads no data). A command that fails inside an explicit transaction block is followed by a
 * {@code ROLLBACK}, as an application would end it (pgjdbc's runners in the corpora do the same).
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class PsqlSession implements AutoCloseable {
    private static final Pattern ERROR = Pattern.compile("(?m)^(?:psql:[^:]*:\\d+: )?(ERROR|FATAL):\\s+"
            + "(?:([0-9A-Z]{5}): )?(.*)");
    private static final String MARK = "@@sluice-psql-mark ";

    /** What one command printed: its stdout and stderr, and the first error psql reported, if any. */
    record Output(String stdout, String stderr) {
        boolean ok() {
            return !ERROR.matcher(stderr).find();
        }

        String sqlState() {
            Matcher m = ERROR.matcher(stderr);
            return m.find() && m.group(2) != null ? m.group(2) : "?????";
        }

        String message() {
            Matcher m = ERROR.matcher(stderr);
            return m.find() ? m.group(3).strip() : stderr.strip();
        }
    }

    private final Process process;
    /** The FIFO psql waits on, opened read-write so that neither side's open blocks; null when not paced. */
    private final RandomAccessFile pace;
    private final BlockingQueue<String> stderrLines = new LinkedBlockingQueue<>();
    private final StringBuffer stdout = new StringBuffer();
    private final Thread stdoutReader;
    private final Path dir;
    private final int commands;
    private int done;
    private String ended = "";

    private PsqlSession(Process process, Path dir, RandomAccessFile pace, int commands) {
        this.process = process;
        this.dir = dir;
        this.pace = pace;
        this.commands = commands;
        Thread.ofVirtual().start(() -> pump(process.getErrorStream(), stderrLines::add, () -> stderrLines.add(EOF)));
        this.stdoutReader = Thread.ofVirtual().start(() -> pump(process.getInputStream(),
                line -> stdout.append(line).append('\n'), () -> { }));
    }

    /**
     * Starts psql through {@code harness} with {@code token} as the password, to run {@code sql} in order;
     * {@code options} go before the commands (for example {@code -A}).
     */
    static PsqlSession start(GatewayHarness harness, String token, List<String> sql, boolean paced,
                             String... options) {
        try {
            Path dir = Files.createTempDirectory("sluice-psql-");
            Path script = Files.writeString(dir.resolve("after.sql"), "\\if :ERROR\nROLLBACK;\n\\endif\n");
            Path fifo = dir.resolve("pace");
            RandomAccessFile pace = null;
            if (paced) {
                new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
                pace = new RandomAccessFile(fifo.toFile(), "rw");
            }
            List<String> command = new ArrayList<>(List.of("psql", "-X", "-d", harness.conninfo("agent"),
                    "-v", "VERBOSITY=verbose"));
            command.addAll(List.of(options));
            for (int i = 0; i < sql.size(); i++) {
                command.addAll(List.of("-c", sql.get(i), "-f", script.toString(), "-c", "\\warn " + MARK + i,
                        "-c", "\\echo " + MARK + i));
                if (paced) {
                    command.addAll(List.of("-c", "\\! read next < " + fifo));
                }
            }
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("PGPASSWORD", token);
            builder.environment().put("PGCONNECT_TIMEOUT", "30");
            return new PsqlSession(builder.start(), dir, pace, sql.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the next command; its stderr only (psql buffers stdout until it exits: {@link #all()} has both). A
     * FATAL "psql ended" when psql exited before reaching it.
     */
    Output next() throws InterruptedException {
        if (pace != null && done > 0 && ended.isEmpty()) {
            try {
                pace.write('\n');
            } catch (IOException e) {
                ended = "the pacing FIFO failed: " + e.getMessage();
            }
        }
        StringBuilder result = new StringBuilder();
        while (ended.isEmpty()) {
            String line = stderrLines.poll(120, TimeUnit.SECONDS);
            if (line == null || line.equals(EOF)) {
                ended = "psql ended before command " + done + (line == null ? " (no output for 120 s)" : "")
                        + ": " + result.toString().replace('\n', ' ');
                break;
            }
            if (line.equals(MARK + done)) {
                break;
            }
            result.append(line).append('\n');
        }
        done++;
        return new Output("", ended.isEmpty() ? result.toString() : "FATAL:  " + ended + "\n");
    }

    /** Runs every command to the end; each one's output. Only for sessions started without pacing. */
    List<Output> all() throws InterruptedException {
        if (pace != null) {
            throw new IllegalStateException("a paced session is driven with next()");
        }
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < commands; i++) {
            errors.add(next().stderr());
        }
        process.waitFor(120, TimeUnit.SECONDS);
        stdoutReader.join(TimeUnit.SECONDS.toMillis(10));
        String[] outs = stdout.toString().split("(?m)^" + Pattern.quote(MARK) + "\\d+\n", -1);
        List<Output> result = new ArrayList<>();
        for (int i = 0; i < commands; i++) {
            result.add(new Output(i < outs.length ? outs[i] : "", errors.get(i)));
        }
        return result;
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        if (pace != null) {
            pace.close();
        }
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static final String EOF = "\u0000eof";

    private static void pump(InputStream stream, java.util.function.Consumer<String> sink, Runnable end) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                sink.accept(line);
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            end.run();
        }
    }
}
