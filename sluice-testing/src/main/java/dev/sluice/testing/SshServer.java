package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A throwaway OpenSSH server ({@code /usr/sbin/sshd} from Debian's {@code openssh-server}) on 127.0.0.1 and a free
 * port, with its own ed25519 host key, config and log in a directory under /tmp, and its own Unix user (created with
 * {@code useradd}, unlocked with {@code usermod -p '*'}, home in that directory). {@link #close()} stops it, removes
 * the user and deletes the directory; a JVM shutdown hook does the same for servers a test forgot.
 *
 * <p>Logins: public keys in {@link Options#authorizedKeys()}, user certificates signed by
 * {@link Options#trustedUserCaKeys()}, and the password when {@link Options#password()} is set. Needs root (as the
 * test suite runs on CI). Thread-safe.
 */
public final class SshServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Map<String, String> NO_ENV = Map.of();

    private final Path dir;
    private final String user;
    private final Path home;
    private final int port;
    private final Process process;
    private final Thread shutdownHook;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    /**
     * How to set up a server.
     *
     * @param authorizedKeys    OpenSSH public key lines accepted for the user
     * @param trustedUserCaKeys OpenSSH public key lines of CAs whose user certificates are accepted
     *                          ({@code TrustedUserCAKeys}; the certificate must name the user as a principal)
     * @param password          the user's password ({@code PasswordAuthentication yes}); empty: password logins off
     * @param launcher          what sshd's command line is prefixed with (e.g. {@code ip netns exec NS} to run it in
     *                          another network namespace, whose loopback this JVM cannot reach: readiness is then
     *                          read from sshd's log); empty: run it here
     * @param acceptEnv         more variable names for {@code AcceptEnv} than {@code LANG LC_* SLUICE_*} (a target
     *                          that accepts {@code PATH} or {@code LD_PRELOAD} from clients, for attack tests)
     */
    public record Options(List<String> authorizedKeys, List<String> trustedUserCaKeys, Optional<String> password,
                          List<String> launcher, List<String> acceptEnv) {
        public Options {
            authorizedKeys = List.copyOf(authorizedKeys);
            trustedUserCaKeys = List.copyOf(trustedUserCaKeys);
            Objects.requireNonNull(password, "password");
            launcher = List.copyOf(launcher);
            acceptEnv = List.copyOf(acceptEnv);
        }

        public Options(List<String> authorizedKeys, List<String> trustedUserCaKeys, Optional<String> password) {
            this(authorizedKeys, trustedUserCaKeys, password, List.of(), List.of());
        }

        /** Runs sshd behind {@code prefix} (e.g. {@code ip netns exec NS}). */
        public Options withLauncher(List<String> prefix) {
            return new Options(authorizedKeys, trustedUserCaKeys, password, prefix, acceptEnv);
        }

        public static Options defaults() {
            return new Options(List.of(), List.of(), Optional.empty());
        }

        public Options withAcceptEnv(String... names) {
            return new Options(authorizedKeys, trustedUserCaKeys, password, launcher, List.of(names));
        }

        public Options withAuthorizedKey(String line) {
            List<String> keys = new ArrayList<>(authorizedKeys);
            keys.add(line);
            return new Options(keys, trustedUserCaKeys, password, launcher, acceptEnv);
        }

        public Options withTrustedUserCaKey(String line) {
            List<String> keys = new ArrayList<>(trustedUserCaKeys);
            keys.add(line);
            return new Options(authorizedKeys, keys, password, launcher, acceptEnv);
        }

        public Options withPassword(String value) {
            return new Options(authorizedKeys, trustedUserCaKeys, Optional.of(value), launcher, acceptEnv);
        }

        @Override
        public String toString() {
            return "Options[authorizedKeys=" + authorizedKeys.size() + ", trustedUserCaKeys="
                    + trustedUserCaKeys.size() + ", password=" + (password.isPresent() ? "****" : "none")
                    + ", launcher=" + launcher + "]";
        }
    }

    private SshServer(Path dir, String user, Path home, int port, Process process) {
        this.dir = dir;
        this.user = user;
        this.home = home;
        this.port = port;
        this.process = process;
        this.shutdownHook = Thread.ofPlatform().unstarted(this::stop);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Creates the user and the config, starts sshd and waits until it accepts connections. */
    public static SshServer start(Options options) {
        Path dir;
        try {
            dir = Files.createTempDirectory("sluice-sshd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String user = "sl" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path home = dir.resolve("home");
        try {
            Files.createDirectories(Path.of("/run/sshd"));
            Cli.runOrFail(NO_ENV, Duration.ofSeconds(20), "useradd", "--no-user-group", "--gid", "nogroup",
                    "--home-dir", home.toString(), "--create-home", "--shell", "/bin/sh", user);
            Cli.runOrFail(NO_ENV, Duration.ofSeconds(20), "usermod", "-p", "*", user);
            if (options.password().isPresent()) {
                Cli.runWithInput(user + ":" + options.password().get() + "\n", NO_ENV, Duration.ofSeconds(20),
                        "chpasswd");
            }
            Files.writeString(dir.resolve("authorized_keys"), lines(options.authorizedKeys()));
            Files.writeString(dir.resolve("user_ca.pub"), lines(options.trustedUserCaKeys()));
            Cli.runOrFail(NO_ENV, Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                    "sluice-test-host", "-f", dir.resolve("host_ed25519").toString());
            // Readable by the test user: the home directory lives inside the fixture's directory.
            Cli.runOrFail(NO_ENV, Duration.ofSeconds(20), "chmod", "755", dir.toString());
            Cli.runOrFail(NO_ENV, Duration.ofSeconds(20), "chown", "-R", user + ":nogroup", home.toString());
            return launch(dir, user, home, options);
        } catch (IOException | RuntimeException e) {
            Cli.run(NO_ENV, Duration.ofSeconds(20), "userdel", "-f", user);
            Cli.run(NO_ENV, Duration.ofSeconds(20), "rm", "-rf", dir.toString());
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private static SshServer launch(Path dir, String user, Path home, Options options) throws IOException {
        for (int attempt = 1; attempt <= 3; attempt++) {
            int port = FreePort.find();
            Path config = dir.resolve("sshd_config");
            Files.writeString(config, String.join("\n",
                    "Port " + port,
                    "ListenAddress 127.0.0.1",
                    "HostKey " + dir.resolve("host_ed25519"),
                    "PidFile " + dir.resolve("sshd.pid"),
                    "UsePAM no",
                    "StrictModes no",
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                    "TrustedUserCAKeys " + dir.resolve("user_ca.pub"),
                    "PasswordAuthentication " + (options.password().isPresent() ? "yes" : "no"),
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin no",
                    "AllowUsers " + user,
                    "AllowTcpForwarding yes",
                    "X11Forwarding no",
                    "PrintMotd no",
                    "AcceptEnv LANG LC_* SLUICE_*" + options.acceptEnv().stream().map(n -> " " + n)
                            .collect(java.util.stream.Collectors.joining()),
                    "MaxSessions 50",
                    "MaxStartups 100:30:200",
                    "LogLevel VERBOSE",
                    "Subsystem sftp internal-sftp",
                    ""));
            List<String> command = new ArrayList<>(options.launcher());
            command.addAll(List.of("/usr/sbin/sshd", "-D", "-e", "-f", config.toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
            if (options.launcher().isEmpty() ? waitForPort(port, process)
                    : waitForLog(dir.resolve("sshd.log"), "Server listening on 127.0.0.1 port " + port, process)) {
                return new SshServer(dir, user, home, port, process);
            }
            process.destroyForcibly();
        }
        throw new FixtureException("sshd did not start; log:\n" + tail(dir.resolve("sshd.log")));
    }

    private static boolean waitForPort(int port, Process process) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline) && process.isAlive()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return true;
            } catch (IOException e) {
                pause();
            }
        }
        return false;
    }

    private static boolean waitForLog(Path log, String line, Process process) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline) && process.isAlive()) {
            try {
                if (Files.exists(log) && Files.readString(log).contains(line)) {
                    return true;
                }
            } catch (IOException e) {
                // not written yet
            }
            pause();
        }
        return false;
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FixtureException("interrupted while waiting for sshd");
        }
    }

    private static String lines(List<String> lines) {
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    private static String tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** The Unix user logins are for. */
    public String user() {
        return user;
    }

    /** The user's home directory (owned by the user). */
    public Path home() {
        return home;
    }

    /** The host's public key as an OpenSSH line ({@code ssh-ed25519 AAAA… sluice-test-host}). */
    public String hostKeyLine() {
        try {
            return Files.readString(dir.resolve("host_ed25519.pub")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** sshd's log ({@code -e}, LogLevel VERBOSE), for assertions on what the target saw. */
    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the trusted user CA keys (sshd reads the file at each login). */
    public void trustUserCaKeys(List<String> lines) {
        try {
            Files.writeString(dir.resolve("user_ca.pub"), lines(lines));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the authorized keys (sshd reads the file at each login). */
    public void authorizeKeys(List<String> lines) {
        try {
            Files.writeString(dir.resolve("authorized_keys"), lines(lines));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs stop() itself
        }
    }

    private void stop() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            // Session children of sshd run as the user: end them before the user goes.
            Cli.run(NO_ENV, Duration.ofSeconds(10), "pkill", "-KILL", "-u", user);
            Cli.run(NO_ENV, Duration.ofSeconds(20), "userdel", "-f", user);
            Cli.run(NO_ENV, Duration.ofSeconds(20), "rm", "-rf", dir.toString());
        } finally {
            lock.unlock();
        }
    }
}
