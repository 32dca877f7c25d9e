package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.relay.RelayAgent;
import dev.sluice.relay.RelayConfig;
import dev.sluice.relay.RelayRegistry;
import dev.sluice.relay.RelayStatus;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;

/**
 * The relay end to end, on real network separation ({@link RelayNetwork}): the target PostgreSQL listens on the
 * loopback of a network namespace the gateway has no route into; two relay processes in that namespace dial out to
 * the gateway's relay listener over a veth pair, hold the target's password (which the gateway never has), and
 * carry psql, pgjdbc and cancel requests. Then: a relay refuses a connection its config does not name, join tokens
 * work once, a revoked relay is refused, the password is nowhere on the gateway's side (config, data dir, logs, a heap
 * dump of this JVM, which runs the gateway; the relays are other processes), and killing one of the two relays ends
 * its sessions with an error while new sessions go through the other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayE2ETest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static RelayNetwork network;
    private static GatewayHarness harness;
    private static Path relayA;
    private static Path relayB;
    private static Process processA;
    private static Process processB;
    private static String tokenA;

    @BeforeAll
    static void start() throws Exception {
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
        network = RelayNetwork.create();
        CompletableFuture<Void> target = CompletableFuture.runAsync(() -> {
            try {
                network.startPostgres();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        harness = GatewayHarness.start("""
                  - name: billing
                    via: dc-east
                    database: orders
                    allow:
                      groups: [agents]
                  - name: secrets
                    via: dc-east
                    database: orders
                    allow:
                      groups: [agents]
                relays:
                  listen: %s:0
                  heartbeat: 500ms
                  open-timeout: 15s
                api:
                  auditor-groups: [auditors]
                """.formatted(network.gatewayHost()));
        target.join();
        tokenA = InProcessCli.run("relay", "token", "--config", harness.configFile().toString(), "--group", "dc-east",
                "--ttl", "10m").strip();
        String tokenB = InProcessCli.run("relay",
                "token", "--config", harness.configFile().toString(), "--group", "dc-east")
                .strip();
        int port = harness.gateway().relayPort();
        relayA = network.relayConfig("relay-a", port, "dc-east", false);
        relayB = network.relayConfig("relay-b", port, "dc-east", false);
        processA = network.startRelay(relayA, Optional.of(tokenA));
        processB = network.startRelay(relayB, Optional.of(tokenB));
        try {
            Eventually.await(Duration.ofSeconds(60), () -> assertThat(harness.gateway().relays())
                    .filteredOn(RelayStatus::healthy).hasSize(2));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nrelay a:\n" + network.relayLog(relayA) + "\nrelay b:\n"
                    + network.relayLog(relayB), e);
        }
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
        if (harness != null) {
            harness.close();
        }
        if (network != null) {
            network.close();
        }
    }

    private static String conninfo(String database) {
        return "host=127.0.0.1 port=" + harness.port() + " dbname=" + database + " user=agent sslmode=require";
    }

    private static Cli.Result psql(String database, String... args) {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-A", "-t", "-d", conninfo(database)));
        command.addAll(List.of(args));
        return Cli.run(Map.of("PGPASSWORD", harness.token("agent-1", "agents"), "PGCONNECT_TIMEOUT", "20"),
                Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    private static Connection jdbc(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "agent-1");
        properties.setProperty("password", harness.token("agent-1", "agents"));
        return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + harness.port() + "/" + database
                + "?sslmode=require", properties);
    }

    @Test
    @Order(1)
    void psqlThroughTheGatewayReachesATargetOnlyTheRelaysNamespaceCanRoute() {
        if (network.isolated()) {
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(network.relayHost(), network.postgresPort()), 2_000);
                }
            }).as("the gateway's namespace has no route to the target").isInstanceOf(IOException.class);
        } else {
            System.err.println("RelayE2ETest: no network namespace here: the routing assertion is skipped");
        }

        Cli.Result result = psql("billing", "-c", "CREATE TABLE invoices (id int, amount int)", "-c",
                "INSERT INTO invoices VALUES (1, 100), (2, 250)", "-c", "SELECT sum(amount) FROM invoices");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("350");
        assertThat(network.query("SELECT count(*) FROM invoices")).isEqualTo("2");
        assertThat(network.query("SELECT string_agg(DISTINCT usename || '@' || coalesce(host(client_addr), 'local'), "
                + "',') FROM pg_stat_activity WHERE datname = 'orders' AND usename = 'app'"))
                .as("no app session is left open; and any open ones came from the relay's loopback")
                .satisfiesAnyOf(s -> assertThat(s).isEmpty(), s -> assertThat(s).isEqualTo("app@127.0.0.1"));
        Eventually.await(WAIT, () -> assertThat(harness.gateway().relays()).as("the session and its tunnel ended")
                .allSatisfy(r -> assertThat(r.sessions()).isZero()));
        List<AuditRecord> commands = harness.audit(AuditQuery.all().withKind("command")).stream()
                .filter(r -> r.connection().equals("billing")).toList();
        assertThat(commands).extracting(AuditRecord::statement)
                .anySatisfy(s -> assertThat(s).contains("INSERT INTO invoices"));
    }

    @Test
    @Order(2)
    void aCancelRequestReachesTheTargetThroughTheRelay() throws Exception {
        try (Connection connection = jdbc("billing"); Statement statement = connection.createStatement()) {
            CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(1_500);
                    statement.cancel();
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long started = System.nanoTime();
            assertThatThrownBy(() -> statement.execute("SELECT pg_sleep(30)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            cancel.get();
            try (var rows = statement.executeQuery("SELECT 41 + 1")) {
                rows.next();
                assertThat(rows.getInt(1)).as("the session goes on after the cancel").isEqualTo(42);
            }
        }
    }

    @Test
    @Order(3)
    void aRelayRefusesAConnectionItsOwnConfigDoesNotName() {
        Cli.Result result = psql("secrets", "-c", "SELECT 1");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("does not serve connection \"secrets\"");
        Eventually.await(WAIT, () -> assertThat(harness.audit(AuditQuery.all().withKind("session.end")))
                .filteredOn(r -> r.connection().equals("secrets")).singleElement().satisfies(r -> assertThat(
                        String.valueOf(r.details().get("reason"))).contains("does not serve connection \"secrets\"")));
        assertThat(harness.audit(AuditQuery.all().withKind("command"))).filteredOn(r -> r.connection()
                .equals("secrets")).isEmpty();
    }

    @Test
    @Order(4)
    void aJoinTokenEnrollsOneRelayOnceAndAnExpiredOrUnknownTokenNone() throws Exception {
        Path config = network.relayConfig("reuse", harness.gateway().relayPort(), "dc-east", true);
        RelayConfig loaded = RelayConfig.load(config);
        RelayRegistry registry = RelayRegistry.open(harness.dataDir(), Clock.systemUTC());
        String expired = registry.newToken("dc-east", Duration.ofMillis(1));
        Thread.sleep(20);

        assertThatThrownBy(() -> RelayAgent.enroll(loaded, tokenA)).hasMessageContaining("already used");
        assertThatThrownBy(() -> RelayAgent.enroll(loaded, expired)).hasMessageContaining("expired");
        assertThatThrownBy(() -> RelayAgent.enroll(loaded, "not-a-token." + tokenA.substring(tokenA.indexOf('.') + 1)))
                .hasMessageContaining("unknown join token");
        assertThatThrownBy(() -> RelayAgent.enroll(loaded, "whatever.0000"))
                .as("a token that pins another CA: the relay does not talk to this gateway")
                .hasMessageContaining("enrollment refused");
        assertThat(Files.exists(loaded.dataDir().resolve("relay.crt"))).isFalse();
        assertThat(harness.audit(AuditQuery.all().withKind("relay.enroll")))
                .filteredOn(r -> r.verdict().equals("deny")).hasSizeGreaterThanOrEqualTo(3);
        assertThat(harness.audit(AuditQuery.all().withKind("relay.enroll")))
                .filteredOn(r -> r.verdict().equals("allow")).hasSize(2);
    }

    @Test
    @Order(5)
    void aRelayClaimingAnotherGroupThanItWasEnrolledInIsRefused() throws Exception {
        String token = InProcessCli.run("relay",
                "token", "--config", harness.configFile().toString(), "--group", "dc-west")
                .strip();
        Path west = network.relayConfig("west", harness.gateway().relayPort(), "dc-west", true);
        String id = RelayAgent.enroll(RelayConfig.load(west), token);
        // the same key and certificate, but a config that claims dc-east
        Path east = network.dir().resolve("west-claims-east.yaml");
        Files.writeString(east, Files.readString(west).replace("group: dc-west", "group: dc-east")
                .replace("./west-data", network.dir().resolve("west-data").toString()));

        try (RelayAgent agent = RelayAgent.start(RelayConfig.load(east))) {
            Eventually.await(WAIT, () -> assertThat(agent.lastRefusal()).hasValueSatisfying(
                    r -> assertThat(r).contains("enrolled in group dc-west, not dc-east")));
            assertThat(harness.gateway().relays()).extracting(RelayStatus::id).doesNotContain(id);
        }
    }

    @Test
    @Order(6)
    void aRevokedRelayIsDisconnectedAndRefusedFromThenOn() throws Exception {
        String token = InProcessCli.run("relay",
                "token", "--config", harness.configFile().toString(), "--group", "dc-west")
                .strip();
        Path config = network.relayConfig("revoked", harness.gateway().relayPort(), "dc-west", true);
        String id = RelayAgent.enroll(RelayConfig.load(config), token);
        try (RelayAgent agent = RelayAgent.start(RelayConfig.load(config))) {
            assertThat(agent.awaitConnected(WAIT)).isTrue();
            assertThat(harness.gateway().relays()).extracting(RelayStatus::id).contains(id);

            assertThat(InProcessCli.run("relay",
                    "revoke", "--config", harness.configFile().toString(), id)).contains("revoked");

            Eventually.await(WAIT, () -> {
                assertThat(harness.gateway().relays()).extracting(RelayStatus::id).doesNotContain(id);
                assertThat(agent.lastRefusal()).hasValueSatisfying(r -> assertThat(r).contains("was revoked"));
            });
            // and when it comes back (with backoff), its connect is refused
            Eventually.await(WAIT, () -> assertThat(harness.audit(AuditQuery.all().withKind("relay.connect")))
                    .anySatisfy(r -> {
                        assertThat(r.details().get("relay_id")).isEqualTo(id);
                        assertThat(r.verdict()).isEqualTo("deny");
                        assertThat(r.error()).contains("was revoked");
                    }));
        }
        // the revocation is audited by the gateway's next heartbeat check, which may come after a check on another
        // path (a tunnel, a reconnect) has already refused the relay
        Eventually.await(WAIT, () -> assertThat(harness.audit(AuditQuery.all().withKind("relay.revoke")))
                .anySatisfy(r -> assertThat(r.details().get("relay_id")).isEqualTo(id)));
        assertThat(harness.audit(AuditQuery.all().withKind("relay.disconnect")))
                .anySatisfy(r -> {
                    assertThat(r.details().get("relay_id")).isEqualTo(id);
                    assertThat(r.error()).contains("was revoked");
                });
    }

    /** A marker the heap-dump search must find: shows the search would find the password if it were there. */
    private static String marker;

    @Test
    @Order(7)
    void theTargetPasswordIsNowhereOnTheGatewaysSideNotInItsConfigDataDirLogsOrHeap() throws Exception {
        marker = "heap-marker-" + java.util.HexFormat.of().formatHex(new java.security.SecureRandom()
                .generateSeed(12));
        Path dump = network.dir().resolve("gateway.hprof");
        Cli.Result dumped = Cli.run(Map.of(), Duration.ofSeconds(120), "jcmd",
                String.valueOf(ProcessHandle.current().pid()), "GC.heap_dump", "-all", dump.toString());
        assertThat(dumped.exitCode()).as(dumped.stdout() + dumped.stderr()).isZero();
        List<ILoggingEvent> events = CapturedLogs.events(LOGS);
        String logs = CapturedLogs.text(events);
        assertThat(events).as("the gateway's logs were captured").isNotEmpty();

        // from here on this JVM knows the password
        String password = network.password();
        assertThat(password).hasSizeGreaterThan(20);
        assertThat(contains(dump, marker)).as("the heap search finds what is there").isTrue();
        assertThat(contains(dump, password)).as("the password in the gateway's heap").isFalse();
        assertThat(Files.readString(harness.configFile())).doesNotContain(password);
        try (Stream<Path> files = Files.walk(harness.dataDir())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(contains(file, password)).as(file.toString()).isFalse();
            }
        }
        assertThat(logs).doesNotContain(password);
        assertThat(Files.readString(relayA)).as("the relay's config references the password file")
                .doesNotContain(password);
        Files.delete(dump);
    }

    /** Whether the file holds {@code text} in Latin-1/UTF-8, UTF-16BE or UTF-16LE (how a heap stores strings). */
    private static boolean contains(Path file, String text) throws IOException {
        List<byte[]> patterns = List.of(text.getBytes(StandardCharsets.UTF_8),
                text.getBytes(StandardCharsets.UTF_16BE), text.getBytes(StandardCharsets.UTF_16LE));
        int overlap = text.length() * 2;
        byte[] buffer = new byte[16 * 1024 * 1024 + overlap];
        try (InputStream in = Files.newInputStream(file)) {
            int kept = 0;
            while (true) {
                int n = in.readNBytes(buffer, kept, buffer.length - kept);
                int length = kept + n;
                for (byte[] pattern : patterns) {
                    if (indexOf(buffer, length, pattern) >= 0) {
                        return true;
                    }
                }
                if (n == 0) {
                    return false;
                }
                kept = Math.min(overlap, length);
                System.arraycopy(buffer, length - kept, buffer, 0, kept);
            }
        }
    }

    private static int indexOf(byte[] data, int length, byte[] pattern) {
        outer:
        for (int i = 0; i <= length - pattern.length; i++) {
            if (data[i] != pattern[0]) {
                continue;
            }
            for (int j = 1; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    @Order(8)
    void killingOneOfTwoRelaysEndsItsSessionsWithAnErrorAndNewSessionsGoThroughTheOther() throws Exception {
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            connections.add(jdbc("billing"));
        }
        try {
            Map<String, Integer> sessions = new java.util.HashMap<>();
            harness.gateway().relays().forEach(r -> sessions.put(r.id(), r.sessions()));
            assertThat(sessions.values()).as("new sessions are spread over both healthy relays")
                    .containsExactlyInAnyOrder(2, 2);
            HttpResponse<String> listed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + harness.gateway().httpPort() + "/api/relays")).header("Authorization",
                    "Bearer " + harness.token("auditor-1", "auditors")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).isEqualTo(200);
            assertThat(listed.body()).contains("\"group\":\"dc-east\"", "\"sessions\":2", "\"healthy\":true");
            String cliList = InProcessCli.run("relays",
                    "--url", "http://127.0.0.1:" + harness.gateway().httpPort(), "--token",
                    harness.token("auditor-1", "auditors"));
            assertThat(cliList.lines().toList()).as("sluice relays").hasSize(2)
                    .allSatisfy(line -> assertThat(line).contains("group dc-east", "healthy", "2 sessions"));
            String killed = harness.gateway().relays().stream().filter(r -> r.group().equals("dc-east"))
                    .findFirst().orElseThrow().id();
            Process victim = network.relayLog(relayA).contains(killed) ? processA : processB;
            // every client is waiting for an answer when the relay dies: each reads what the gateway tells it
            List<CompletableFuture<Integer>> running = new ArrayList<>();
            for (Connection connection : connections) {
                running.add(CompletableFuture.supplyAsync(() -> {
                    try (Statement statement = connection.createStatement();
                         var rows = statement.executeQuery("SELECT count(*) FROM invoices, pg_sleep(3)")) {
                        rows.next();
                        return rows.getInt(1);
                    } catch (SQLException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
            Thread.sleep(700);

            java.time.Instant killedAt = java.time.Instant.now();
            victim.destroyForcibly().waitFor();

            List<Throwable> failures = new ArrayList<>();
            int survivors = 0;
            for (CompletableFuture<Integer> query : running) {
                try {
                    assertThat(query.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2);
                    survivors++;
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            assertThat(survivors).as("the other relay's sessions go on").isEqualTo(2);
            assertThat(failures).as("the dead relay's sessions end with a protocol-native error naming it")
                    .hasSize(2).allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(SQLException.class, sql -> {
                        assertThat(sql.getSQLState()).isEqualTo("57P01");
                        assertThat(sql.getMessage()).contains("relay " + killed + " (group dc-east) lost");
                    }));
            try (Connection next = jdbc("billing"); Statement statement = next.createStatement();
                 var rows = statement.executeQuery("SELECT sum(amount) FROM invoices")) {
                rows.next();
                assertThat(rows.getInt(1)).as("a new session goes through the surviving relay").isEqualTo(350);
            }
            Eventually.await(WAIT, () -> assertThat(harness.audit(AuditQuery.all().withKind("session.end")))
                    .filteredOn(r -> r.connection().equals("billing") && !r.time().isBefore(killedAt))
                    .filteredOn(r -> String.valueOf(r.details().get("reason")).contains("relay " + killed))
                    .hasSize(2));
            assertThat(harness.audit(AuditQuery.all().withKind("relay.disconnect")))
                    .anySatisfy(r -> assertThat(r.details().get("relay_id")).isEqualTo(killed));
            assertThat(harness.gateway().relays()).extracting(RelayStatus::id).doesNotContain(killed);
        } finally {
            for (Connection connection : connections) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // ended by the relay's death
                }
            }
        }
    }
}
