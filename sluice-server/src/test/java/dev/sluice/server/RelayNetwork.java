package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.testing.Cli;
import dev.sluice.testing.FreePort;

/**
 * The relay's side of an end-to-end test, on real network separation: a network namespace (made here with
 * {@code ip netns} and a veth pair) in which a throwaway PostgreSQL listens on the namespace's own loopback only, so
 * the gateway (in this JVM's namespace) has no route to it; relays run as their own processes inside the namespace and
 * reach the gateway only by dialling out over the veth pair to {@link #gatewayHost()}. The app user's password is made
 * by a shell ({@code openssl rand}) into a file only the relays' config references: this JVM never reads it before
 * {@link #password()} is called. Where a namespace cannot be made (no privileges), everything runs on loopback and
 * {@link #isolated()} says so.
 */
final class RelayNetwork implements AutoCloseable {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final Optional<String> namespace;
    private final String gatewayHost;
    private final String relayHost;
    private final int port;
    private final List<Process> relays = new ArrayList<>();
    private String hostVeth = "";

    private RelayNetwork(Path dir, Optional<String> namespace, String gatewayHost, String relayHost, int port) {
        this.dir = dir;
        this.namespace = namespace;
        this.gatewayHost = gatewayHost;
        this.relayHost = relayHost;
        this.port = port;
    }

    static RelayNetwork create() throws IOException {
        Path dir = Files.createTempDirectory("sluice-relay-net-");
        String id = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
        int subnet = 10 + new SecureRandom().nextInt(200);
        String name = "sl-relay-" + id;
        RelayNetwork result;
        Cli.Result made = Cli.run(Map.of(), TIMEOUT, "ip", "netns", "add", name);
        if (made.exitCode() == 0) {
            String outside = "vsg" + id;
            String inside = "vsr" + id;
            String gateway = "10.213." + subnet + ".1";
            String relay = "10.213." + subnet + ".2";
            result = new RelayNetwork(dir, Optional.of(name), gateway, relay, 5432);
            result.hostVeth = outside;
            ok("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
            ok("ip", "link", "add", outside, "type", "veth", "peer", "name", inside);
            ok("ip", "link", "set", inside, "netns", name);
            ok("ip", "addr", "add", gateway + "/24", "dev", outside);
            ok("ip", "link", "set", outside, "up");
            ok("ip", "netns", "exec", name, "ip", "addr", "add", relay + "/24", "dev", inside);
            ok("ip", "netns", "exec", name, "ip", "link", "set", inside, "up");
        } else {
            System.err.println("RelayNetwork: cannot make a network namespace (" + made.stderr().strip()
                    + "); falling back to loopback: every assertion but the routing one runs");
            result = new RelayNetwork(dir, Optional.empty(), "127.0.0.1", "127.0.0.1", FreePort.find());
        }
        return result;
    }

    /** Starts the target PostgreSQL in the namespace (a few seconds: run it beside the gateway's start). */
    void startPostgres() throws IOException {
        Files.createDirectories(dir.resolve("sock"));
        ok("chown", "-R", "postgres", dir.toString());
        ok("runuser", "-u", "postgres", "--", BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                "-U", "postgres", "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync");
        List<String> start = new ArrayList<>(inNamespace());
        start.addAll(List.of("runuser", "-u", "postgres", "--", BIN.resolve("pg_ctl").toString(), "-D",
                dir.resolve("data").toString(), "-l", dir.resolve("postgres.log").toString(), "-w", "-o",
                "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir.resolve("sock")
                        + " -c fsync=off -c synchronous_commit=off -c max_connections=100", "start"));
        ok(start.toArray(String[]::new));
        // the password: made and used by a shell, never read by this JVM until password() is called
        Path script = dir.resolve("setup.sql");
        Files.writeString(script, "CREATE ROLE app LOGIN PASSWORD :'pw';\nCREATE DATABASE orders OWNER app;\n");
        ok("sh", "-c", "umask 077; openssl rand -hex 24 > " + dir.resolve("app-password") + " && psql -X -q -v "
                + "ON_ERROR_STOP=1 -h " + dir.resolve("sock") + " -p " + port + " -U postgres -d postgres -v pw=\"$(cat "
                + dir.resolve("app-password") + ")\" -f " + script);
    }

    private static void ok(String... command) {
        Cli.Result result = Cli.run(Map.of(), TIMEOUT, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exitCode() + "): "
                    + result.stdout() + result.stderr());
        }
    }

    /** The command prefix that runs a process in the relay's namespace ({@code ip netns exec NS}; empty without). */
    List<String> inNamespace() {
        return namespace.map(n -> List.of("ip", "netns", "exec", n)).orElse(List.of());
    }

    boolean isolated() {
        return namespace.isPresent();
    }

    /** Where relays dial the gateway (the gateway's end of the veth pair). */
    String gatewayHost() {
        return gatewayHost;
    }

    /** The relay namespace's address on the veth pair (PostgreSQL does not listen there). */
    String relayHost() {
        return relayHost;
    }

    /** The target PostgreSQL's port, on the relay namespace's loopback. */
    int postgresPort() {
        return port;
    }

    Path dir() {
        return dir;
    }

    Path passwordFile() {
        return dir.resolve("app-password");
    }

    /** The app user's password: call only after every check that it is nowhere on the gateway's side. */
    String password() throws IOException {
        return Files.readString(passwordFile()).strip();
    }

    /** A query as the superuser over the server's Unix socket (a file, not a route): what really happened. */
    String query(String sql) {
        Cli.Result result = Cli.run(Map.of(), TIMEOUT, "psql", "-X", "-A", "-t", "-h", dir.resolve("sock").toString(),
                "-p", String.valueOf(port), "-U", "postgres", "-d", "orders", "-c", sql);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("psql failed: " + result.stderr());
        }
        return result.stdout().strip();
    }

    /**
     * A relay config for the gateway's relay port, serving {@code billing} with the target's password file, or, for a
     * relay run inside this JVM ({@code decoy}), a decoy password file: this JVM must not read the real one.
     */
    Path relayConfig(String name, int gatewayPort, String group, boolean decoy) throws IOException {
        Path passwordFile = passwordFile();
        if (decoy) {
            passwordFile = dir.resolve("decoy-password");
            Files.writeString(passwordFile, "decoy");
        }
        Path result = dir.resolve(name + ".yaml");
        Files.writeString(result, """
                gateway: https://%s:%d
                group: %s
                data-dir: ./%s-data
                heartbeat: 500ms
                targets:
                  - connection: billing
                    address: 127.0.0.1:%d
                    user: app
                    password: ${file:%s}
                    database: orders
                    tls:
                      mode: disable
                """.formatted(gatewayHost, gatewayPort, group, name, port, passwordFile));
        return result;
    }

    /** A relay process in the namespace: {@code sluice relay --config C [--join-token T]}, its output in a log. */
    Process startRelay(Path config, Optional<String> token) throws IOException {
        List<String> command = new ArrayList<>(inNamespace());
        command.addAll(ChildSluice.command("relay", "--config", config.toString()));
        token.ifPresent(t -> command.addAll(List.of("--join-token", t)));
        Path log = Path.of(config.toString().replace(".yaml", ".log"));
        Process result = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        relays.add(result);
        return result;
    }

    /** Any other process in the relay's namespace (a target server), its output in {@code log}; ended at close. */
    Process startInNamespace(Path log, String... command) throws IOException {
        List<String> full = new ArrayList<>(inNamespace());
        full.addAll(List.of(command));
        Process result = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        relays.add(result);
        return result;
    }

    String relayLog(Path config) throws IOException {
        Path log = Path.of(config.toString().replace(".yaml", ".log"));
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        for (Process relay : relays) {
            relay.destroyForcibly();
        }
        List<String> stop = new ArrayList<>(inNamespace());
        stop.addAll(List.of("runuser", "-u", "postgres", "--", BIN.resolve("pg_ctl").toString(), "-D",
                dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"));
        Cli.run(Map.of(), TIMEOUT, stop.toArray(String[]::new));
        if (!hostVeth.isEmpty()) {
            Cli.run(Map.of(), TIMEOUT, "ip", "link", "del", hostVeth);
        }
        namespace.ifPresent(n -> Cli.run(Map.of(), TIMEOUT, "ip", "netns", "del", n));
        Cli.run(Map.of(), TIMEOUT, "rm", "-rf", dir.toString());
    }
}
