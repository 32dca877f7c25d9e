package dev.sluice.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One PostgreSQL data directory and the {@code initdb}/{@code pg_ctl} calls on it. PostgreSQL refuses to run
 * as root, so when this JVM is root every server command runs through {@code runuser -u postgres --} and the
 * directory is handed to that user. Not thread-safe: {@link ThrowawayPostgres} serialises the calls.
 *
 * <p>Layout: {@code <base>/data} (cluster), {@code <base>/pg.log}, the Unix socket in {@code <base>}, and
 * {@code <base>/server.crt|key} when TLS is on.
 */
final class PgCluster {
    static final Path BIN = Path.of(System.getProperty("sluice.pg.bin",
            System.getenv().getOrDefault("SLUICE_PG_BIN", "/usr/lib/postgresql/15/bin")));
    private static final String OS_USER = "postgres";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Path base;
    private final boolean root;

    private PgCluster(Path base, boolean root) {
        this.base = base;
        this.root = root;
    }

    static PgCluster create() {
        if (!Files.isExecutable(BIN.resolve("initdb"))) {
            throw new DemoException("PostgreSQL binaries not found in " + BIN
                    + " (install postgresql-15, or set -Dsluice.pg.bin / SLUICE_PG_BIN)");
        }
        try {
            Path base = Files.createTempDirectory(Path.of("/tmp"), "sluice-pg-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            return new PgCluster(base, isRoot());
        } catch (IOException e) {
            throw new DemoException("Cannot create a PostgreSQL directory under /tmp: " + e.getMessage(), e);
        }
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    Path base() {
        return base;
    }

    Path dataDir() {
        return base.resolve("data");
    }

    /** Runs initdb with the superuser password read from a file that is deleted right after. */
    void initdb(String hostAuth, String superuserPassword) {
        Path pwfile = base.resolve("pwfile");
        write(pwfile, superuserPassword + "\n");
        handOver();
        try {
            run("initdb", "-D", dataDir().toString(), "-U", "postgres", "--auth-host=" + hostAuth,
                    "--auth-local=trust", "--pwfile=" + pwfile, "--no-sync", "--no-instructions",
                    "-E", "UTF8", "--locale=C");
        } finally {
            deleteQuietly(pwfile);
        }
    }

    /** Writes a self-signed certificate for localhost/127.0.0.1 and returns its path (its own CA). */
    Path generateCertificate() {
        Path cert = base.resolve("server.crt");
        Path key = base.resolve("server.key");
        Processes.requireSuccess(List.of("openssl", "req"), Processes.execute(base, Map.of(), COMMAND_TIMEOUT, "",
                List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key.toString(), "-out", cert.toString())));
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        handOver();
        return cert;
    }

    /** Appends settings to postgresql.conf; later lines win, so callers' settings go last. */
    void configure(Map<String, String> settings) {
        StringBuilder conf = new StringBuilder("\n# sluice throwaway server\n");
        settings.forEach((name, value) -> conf.append(name).append(" = '")
                .append(value.replace("'", "''")).append("'\n"));
        try {
            Files.writeString(dataDir().resolve("postgresql.conf"), conf, StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new DemoException("Cannot write postgresql.conf: " + e.getMessage(), e);
        }
    }

    /** Starts the server on {@code port}; returns false only when the port turned out to be taken. */
    boolean start(int port) {
        Processes.Result result = Processes.execute(base, Map.of(), COMMAND_TIMEOUT, "", command("pg_ctl", "-D",
                dataDir().toString(), "-l", log().toString(), "-w", "-t", "30", "-o", "-p " + port, "start"));
        if (result.exitCode() == 0) {
            return true;
        }
        String log = logTail();
        if (log.contains("could not bind") || log.contains("Address already in use")) {
            return false;
        }
        throw new DemoException("PostgreSQL failed to start on port " + port + " (pg_ctl status "
                + result.exitCode() + ")\npg_ctl: " + Processes.tail(result.stdout() + result.stderr())
                + "\npg.log tail:\n" + log);
    }

    /** Stops at once (no checkpoint); falls back to killing the postmaster if pg_ctl cannot. */
    void stopImmediately() {
        if (!Files.exists(dataDir().resolve("postmaster.pid"))) {
            return;
        }
        Processes.Result result = Processes.execute(base, Map.of(), COMMAND_TIMEOUT, "",
                command("pg_ctl", "-D", dataDir().toString(), "-m", "immediate", "-w", "stop"));
        if (result.exitCode() != 0) {
            postmasterPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    void delete() {
        try (Stream<Path> paths = Files.walk(base)) {
            paths.sorted(Comparator.reverseOrder()).forEach(PgCluster::deleteQuietly);
        } catch (IOException e) {
            // nothing to delete any more
        }
    }

    String logTail() {
        try {
            String text = Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "(no pg.log)";
            return text.length() <= 3000 ? text : "..." + text.substring(text.length() - 3000);
        } catch (IOException e) {
            return "(pg.log unreadable: " + e.getMessage() + ")";
        }
    }

    private Path log() {
        return base.resolve("pg.log");
    }

    private Optional<Long> postmasterPid() {
        try {
            List<String> lines = Files.readAllLines(dataDir().resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.getFirst().trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void run(String program, String... args) {
        List<String> command = command(program, args);
        Processes.requireSuccess(command, Processes.execute(base, Map.of(), COMMAND_TIMEOUT, "", command));
    }

    private List<String> command(String program, String... args) {
        List<String> result = new ArrayList<>();
        if (root) {
            result.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        result.add(BIN.resolve(program).toString());
        result.addAll(List.of(args));
        return result;
    }

    /** As root, gives every file under the base directory to the postgres user. */
    private void handOver() {
        if (!root) {
            return;
        }
        try (Stream<Path> paths = Files.walk(base)) {
            UserPrincipal owner = FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByName(OS_USER);
            for (Path path : paths.toList()) {
                Files.setOwner(path, owner);
            }
        } catch (IOException e) {
            throw new DemoException("Cannot hand " + base + " to user " + OS_USER + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new DemoException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // best effort: a leftover file under /tmp is harmless
        }
    }
}
