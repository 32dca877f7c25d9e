package dev.sluice.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.sluice.demo.DemoException;
import dev.sluice.demo.Processes;

/**
 * Runs a real client program (psql, pgbench, ssh, mariadb...) to completion with a deadline and captures its
 * output: the test face of {@link Processes} (module {@code sluice-demo}), which does the work.
 *
 * <p>Output goes to temporary files rather than pipes, so a daemon that a command leaves behind (pg_ctl
 * starts one) can never block the caller by holding a pipe open. Each stream keeps at most its last
 * {@value Processes#MAX_CAPTURE} bytes. On timeout the whole process tree is killed and a {@link FixtureException}
 * says which command hung. The child inherits this JVM's environment plus the given variables; pass
 * passwords in the environment (for example {@code PGPASSWORD}), never on the command line, because
 * commands appear in failure messages.
 */
public final class Cli {
    /** What a finished command printed and returned. Output is decoded as UTF-8. */
    public record Result(int exitCode, String stdout, String stderr) {
        public Result {
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }
    }

    private Cli() {
    }

    /** Runs {@code command} with no input; fails if it is still running after {@code timeout}. */
    public static Result run(Map<String, String> env, Duration timeout, String... command) {
        return execute(Path.of(System.getProperty("java.io.tmpdir")), env, timeout, "", List.of(command));
    }

    /** Like {@link #run}, with {@code stdin} fed to the command's standard input. */
    public static Result runWithInput(String stdin, Map<String, String> env, Duration timeout, String... command) {
        Objects.requireNonNull(stdin, "stdin");
        return execute(Path.of(System.getProperty("java.io.tmpdir")), env, timeout, stdin, List.of(command));
    }

    /** Like {@link #run}, and also fails unless the command exits with status 0. */
    public static Result runOrFail(Map<String, String> env, Duration timeout, String... command) {
        return requireSuccess(List.of(command), run(env, timeout, command));
    }

    static Result requireSuccess(List<String> command, Result result) {
        try {
            Processes.requireSuccess(command, new Processes.Result(result.exitCode(), result.stdout(),
                    result.stderr()));
            return result;
        } catch (DemoException e) {
            throw new FixtureException(e.getMessage(), e);
        }
    }

    static Result execute(Path directory, Map<String, String> env, Duration timeout, String stdin,
                          List<String> command) {
        try {
            Processes.Result done = Processes.execute(directory, env, timeout, stdin, command);
            Result result = new Result(done.exitCode(), done.stdout(), done.stderr());
            return result;
        } catch (DemoException e) {
            throw new FixtureException(e.getMessage(), e);
        }
    }

    static String tail(String text) {
        return Processes.tail(text);
    }
}
