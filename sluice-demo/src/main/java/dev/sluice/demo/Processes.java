package dev.sluice.demo;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program (pg_ctl, initdb, openssl; in tests also psql, ssh...) to completion with a deadline and captures
 * its output.
 *
 * <p>Output goes to temporary files rather than pipes, so a daemon that a command leaves behind (pg_ctl starts one)
 * can never block the caller by holding a pipe open. Each stream keeps at most its last {@value #MAX_CAPTURE}
 * bytes. On timeout the whole process tree is killed and a {@link DemoException} says which command hung. The child
 * inherits this JVM's environment plus the given variables; pass passwords in the environment (for example
 * {@code PGPASSWORD}), never on the command line, because commands appear in failure messages.
 */
public final class Processes {
    public static final int MAX_CAPTURE = 8 * 1024 * 1024;
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    /** What a finished command printed and returned. Output is decoded as UTF-8. */
    public record Result(int exitCode, String stdout, String stderr) {
        public Result {
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }
    }

    private Processes() {
    }

    /** Returns {@code result}, or fails naming the command, its exit status and the tails of its output. */
    public static Result requireSuccess(List<String> command, Result result) {
        if (result.exitCode() != 0) {
            throw new DemoException("Command " + command + " exited with status " + result.exitCode()
                    + "\nstdout: " + tail(result.stdout()) + "\nstderr: " + tail(result.stderr()));
        }
        return result;
    }

    /**
     * Runs {@code command} in {@code directory} with {@code stdin} (empty: /dev/null) and {@code env} added to this
     * JVM's environment; fails if it is still running after {@code timeout}, after killing its process tree.
     */
    public static Result execute(Path directory, Map<String, String> env, Duration timeout, String stdin,
                                 List<String> command) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(stdin, "stdin");
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty (expected: program and arguments)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive (got " + timeout + ")");
        }
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile("sluice-cli-", ".out");
            err = Files.createTempFile("sluice-cli-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin.isEmpty()) {
                builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            } else {
                in = Files.createTempFile("sluice-cli-", ".in");
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
                builder.redirectInput(in.toFile());
            }
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                long killed = killTree(process);
                throw new DemoException("Command " + command + " did not finish within " + timeout
                        + "; killed it and " + killed + " descendant process(es)"
                        + "\nstdout: " + tail(read(out)) + "\nstderr: " + tail(read(err)));
            }
            Result result = new Result(process.exitValue(), read(out), read(err));
            return result;
        } catch (IOException e) {
            throw new DemoException("Cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoException("Interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
            deleteQuietly(in);
        }
    }

    /** The last 4000 characters of {@code text}, marked with "..." when cut. */
    public static String tail(String text) {
        int max = 4000;
        return text.length() <= max ? text : "..." + text.substring(text.length() - max);
    }

    /** Kills the descendants first (they would be re-parented and lost once the parent dies), then the parent. */
    private static long killTree(Process process) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        long deadline = System.nanoTime() + KILL_GRACE.toNanos();
        process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        for (ProcessHandle descendant : descendants) {
            while (descendant.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        return descendants.size();
    }

    private static String read(Path file) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long start = Math.max(0, length - MAX_CAPTURE);
            byte[] bytes = new byte[(int) (length - start)];
            raf.seek(start);
            raf.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            return start == 0 ? text : "[first " + start + " bytes dropped]" + text;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read captured output " + file, e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temp file is harmless; the command's result matters more
        }
    }
}
