package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void runsPsqlVersion() {
        Cli.Result result = Cli.run(Map.of(), TIMEOUT, "psql", "--version");

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).startsWith("psql (PostgreSQL) ");
    }

    @Test
    void capturesExitCodeStdoutStderrAndEnvironment() {
        Cli.Result result = Cli.run(Map.of("GREETING", "hello"), TIMEOUT,
                "sh", "-c", "echo $GREETING; echo oops >&2; exit 3");

        assertThat(result).isEqualTo(new Cli.Result(3, "hello\n", "oops\n"));
    }

    @Test
    void feedsStandardInput() {
        Cli.Result result = Cli.runWithInput("line one\nline two\n", Map.of(), TIMEOUT, "wc", "-l");

        assertThat(result.stdout().trim()).isEqualTo("2");
    }

    @Test
    void runOrFailReportsTheCommandAndItsStderr() {
        assertThatThrownBy(() -> Cli.runOrFail(Map.of(), TIMEOUT, "sh", "-c", "echo broken >&2; exit 2"))
                .isInstanceOf(FixtureException.class)
                .hasMessageContaining("exited with status 2")
                .hasMessageContaining("broken");
    }

    @Test
    void killsTheWholeProcessTreeOnTimeout(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");

        assertThatThrownBy(() -> Cli.run(Map.of(), Duration.ofMillis(1500), "sh", "-c",
                "sleep 60 & echo $! > " + pidFile + "; echo started; wait"))
                .isInstanceOf(FixtureException.class)
                .hasMessageContaining("did not finish within PT1.5S")
                .hasMessageContaining("started");

        long child = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(ProcessHandle.of(child).filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void returnsPromptlyWhenADaemonKeepsRunning(@TempDir Path dir) {
        Path pidFile = dir.resolve("daemon.pid");
        long start = System.nanoTime();

        Cli.Result result = Cli.run(Map.of(), TIMEOUT, "sh", "-c", "sleep 30 & echo $! > " + pidFile);

        assertThat(result.exitCode()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        Cli.run(Map.of(), TIMEOUT, "sh", "-c", "kill $(cat " + pidFile + ")");
    }

    @Test
    void rejectsAnEmptyCommandAndANonPositiveTimeout() {
        assertThatThrownBy(() -> Cli.run(Map.of(), TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cli.run(Map.of(), Duration.ZERO, "true"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void freePortCanBeBound() throws Exception {
        int port = FreePort.find();

        try (var socket = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }
}
