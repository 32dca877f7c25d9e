package dev.sluice.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.config.HostPort;

/**
 * The relay's transport and enrollment over real gRPC and TLS on loopback, without a target: join tokens, the
 * relay's certificate, its control connection, revocation, and a relay's refusal of a connection its config does
 * not name.
 */
class RelayTransportTest {
    private static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static Path dir;
    private static RelayRegistry registry;
    private static RelayHub hub;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("sluice-relay-test-");
        registry = RelayRegistry.open(dir.resolve("gateway"), Clock.systemUTC());
        hub = RelayHub.start(new RelaysConfig(new HostPort("127.0.0.1", 0), Duration.ofDays(1),
                Duration.ofMillis(300), Duration.ofSeconds(5)), registry, new ListLog(), Clock.systemUTC(),
                (session, reason) -> { });
    }

    @AfterAll
    static void stop() throws IOException {
        hub.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static RelayConfig config(String name, String group) throws IOException {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                gateway: https://127.0.0.1:%d
                group: %s
                data-dir: ./%s-data
                heartbeat: 300ms
                targets:
                  - connection: orders
                    address: 127.0.0.1:9
                    user: app
                    password: not-used
                """.formatted(hub.port(), group, name));
        return RelayConfig.load(file);
    }

    @Test
    void aJoinTokenGivesTheRelayACertificateOnceAndTheRelayConnects() throws Exception {
        String token = registry.newToken("dc-east", Duration.ofMinutes(5));
        RelayConfig config = config("first", "dc-east");

        String id = RelayAgent.enroll(config, token);

        assertThat(Files.readString(config.dataDir().resolve("relay.key"))).contains("PRIVATE KEY");
        assertThat(registry.relays()).extracting(RelayRegistry.Enrolled::id).contains(id);
        assertThatThrownBy(() -> RelayAgent.enroll(config("second", "dc-east"), token))
                .hasMessageContaining("already used");
        try (RelayAgent agent = RelayAgent.start(config)) {
            assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isTrue();
            assertThat(hub.list()).extracting(RelayStatus::id).contains(id);
        }
    }

    @Test
    void aRelayRefusesAConnectionItsOwnConfigDoesNotNameAndTheGatewaySaysWhy() throws Exception {
        RelayConfig config = config("lister", "dc-list");
        RelayAgent.enroll(config, registry.newToken("dc-list", Duration.ofMinutes(5)));
        try (RelayAgent agent = RelayAgent.start(config)) {
            assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isTrue();

            assertThatThrownBy(() -> hub.open("dc-list", "payroll", "s-1", "session", java.util.Map.of()))
                    .hasMessageContaining("does not serve connection \"payroll\"");
            assertThatThrownBy(() -> hub.open("dc-nobody", "orders", "s-1", "session", java.util.Map.of()))
                    .hasMessageContaining("no healthy relay of group \"dc-nobody\"");
        }
    }

    /**
     * A gateway-side reader that stops reading stops the target: what the target could write meanwhile is bounded by
     * the tunnel's window and the TCP buffers, not by the size of what it sends; then every byte arrives, in order.
     */
    @Test
    void aSlowReaderAtTheGatewayHoldsBackTheTargetInsteadOfBuffering() throws Exception {
        long total = 24L * 1024 * 1024;
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        try (java.net.ServerSocket target = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket socket = target.accept()) {
                    byte[] chunk = new byte[64 * 1024];
                    for (long sent = 0; sent < total; sent += chunk.length) {
                        for (int i = 0; i < chunk.length; i++) {
                            chunk[i] = (byte) ((sent + i) % 251);
                        }
                        socket.getOutputStream().write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // the test ended
                }
            });
            Path file = dir.resolve("sink.yaml");
            Files.writeString(file, """
                    gateway: https://127.0.0.1:%d
                    group: dc-sink
                    data-dir: ./sink-data
                    heartbeat: 300ms
                    targets:
                      - connection: sink
                        address: 127.0.0.1:%d
                        user: app
                    """.formatted(hub.port(), target.getLocalPort()));
            RelayConfig config = RelayConfig.load(file);
            RelayAgent.enroll(config, registry.newToken("dc-sink", Duration.ofMinutes(5)));
            try (RelayAgent agent = RelayAgent.start(config)) {
                assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isTrue();
                try (java.net.Socket tunnel = hub.open("dc-sink", "sink", "s-2", "cancel", java.util.Map.of())) {
                    Thread.sleep(2_000);
                    long early = written.get();
                    assertThat(early).as("written while nobody read (bounded by windows and buffers)")
                            .isLessThan(16L * 1024 * 1024);
                    Thread.sleep(500);
                    assertThat(written.get() - early).as("the target is held back, not buffered")
                            .isLessThan(1024L * 1024);

                    byte[] buffer = new byte[64 * 1024];
                    long received = 0;
                    java.io.InputStream in = tunnel.getInputStream();
                    tunnel.setSoTimeout(30_000);
                    while (received < total) {
                        int n = in.read(buffer);
                        assertThat(n).isPositive();
                        for (int i = 0; i < n; i++) {
                            if (buffer[i] != (byte) ((received + i) % 251)) {
                                throw new AssertionError("byte " + (received + i) + " differs");
                            }
                        }
                        received += n;
                    }
                    assertThat(received).isEqualTo(total);
                }
            }
        }
    }

    @Test
    void aRelayConfigMistakeIsNamedAtItsLineAndNoPasswordIsShown() throws IOException {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, """
                gateway: https://127.0.0.1:notaport
                group: DC East
                colour: blue
                targets:
                  - connection: orders
                    address: 10.0.0.7:5432
                    password: hunter2-secret
                """);

        assertThatThrownBy(() -> RelayConfig.load(file)).isInstanceOfSatisfying(
                dev.sluice.core.config.ConfigException.class, e -> assertThat(e.problems().stream()
                        .map(Object::toString).toList())
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":1: gateway:"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":2: group: invalid relay group"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":3: colour: unknown key 'colour'"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":5: targets[0]: missing required key "
                                + "'user'"))
                        .allSatisfy(p -> assertThat(p).doesNotContain("hunter2-secret")));
    }

    /**
     * A web target holds the same keys as a gateway connection of its type (mistakes at their line, no secret
     * shown); a raw tunnel to it is refused: only the relay's request rewriting may carry the gateway's bytes there.
     */
    @Test
    void aRelayWebTargetBindsLikeAGatewayConnectionAndGetsNoRawTunnel() throws Exception {
        Path bad = dir.resolve("web-bad.yaml");
        Files.writeString(bad, """
                gateway: 127.0.0.1:1
                group: dc-web
                targets:
                  - connection: api
                    type: http
                    address: 10.0.0.1:80
                    basic-auth: {user: svc, password: web-secret-77}
                    user: app
                """);
        assertThatThrownBy(() -> RelayConfig.load(bad)).isInstanceOfSatisfying(
                dev.sluice.core.config.ConfigException.class, e -> assertThat(e.problems().stream()
                        .map(Object::toString).toList())
                        .anySatisfy(p -> assertThat(p).startsWith(bad + ":6: targets[0].address: expected "
                                + "http(s)://HOST[:PORT][/base-path]"))
                        .anySatisfy(p -> assertThat(p).startsWith(bad + ":8: targets[0].user: unknown key 'user'"))
                        .allSatisfy(p -> assertThat(p).doesNotContain("web-secret-77")));

        Path file = dir.resolve("web.yaml");
        Files.writeString(file, """
                gateway: https://127.0.0.1:%d
                group: dc-web
                data-dir: ./web-data
                heartbeat: 300ms
                targets:
                  - connection: api
                    type: http
                    address: http://127.0.0.1:9/base
                    headers: {X-Api-Key: web-secret-78}
                """.formatted(hub.port()));
        RelayConfig config = RelayConfig.load(file);
        assertThat(config.targets().get("api").web()).isPresent();
        assertThat(config.targets().get("api").address()).isEqualTo(new HostPort("127.0.0.1", 9));
        RelayAgent.enroll(config, registry.newToken("dc-web", Duration.ofMinutes(5)));
        try (RelayAgent agent = RelayAgent.start(config)) {
            assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isTrue();

            assertThatThrownBy(() -> hub.open("dc-web", "api", "s-9", "cancel", java.util.Map.of()))
                    .hasMessageContaining("opens raw connections for postgres cancel requests only");
        }
    }

    /**
     * An ssh target holds its address, login, key or password, host-key pin and forwards (mistakes at their line, no
     * secret shown; the gateway's CA and a choice of logins are not for relays), and is opened for sessions only.
     */
    @Test
    void aRelaySshTargetHoldsItsKeyPinAndForwardsAndIsOpenedForSessionsOnly() throws Exception {
        Path bad = dir.resolve("ssh-bad.yaml");
        Files.writeString(bad, """
                gateway: 127.0.0.1:1
                group: dc-ssh
                targets:
                  - connection: web
                    type: ssh
                    address: 10.0.0.8:22
                    user: deploy
                    users: [root]
                    password: ssh-secret-41
                    certificate-authority: true
                    host-key: "not a key"
                    forwards: ["nohost"]
                """);
        assertThatThrownBy(() -> RelayConfig.load(bad)).isInstanceOfSatisfying(
                dev.sluice.core.config.ConfigException.class, e -> assertThat(e.problems().stream()
                        .map(Object::toString).toList())
                        .anySatisfy(p -> assertThat(p).startsWith(bad + ":8: targets[0].users: unknown key 'users'"))
                        .anySatisfy(p -> assertThat(p).startsWith(bad + ":10: targets[0].certificate-authority: "
                                + "unknown key"))
                        .anySatisfy(p -> assertThat(p).startsWith(bad + ":11: targets[0].host-key: expected an "
                                + "OpenSSH public key line"))
                        .anySatisfy(p -> assertThat(p).startsWith(bad + ":12: targets[0].forwards: expected "
                                + "host:port destinations, got 'nohost'"))
                        .allSatisfy(p -> assertThat(p).doesNotContain("ssh-secret-41")));

        Path file = dir.resolve("ssh.yaml");
        Files.writeString(file, """
                gateway: https://127.0.0.1:%d
                group: dc-ssh
                data-dir: ./ssh-data
                heartbeat: 300ms
                targets:
                  - connection: web
                    type: ssh
                    address: 127.0.0.1:9
                    user: deploy
                    password: ssh-secret-42
                    host-key: "SHA256:l5nLC30N562ldOeM5QXjFJl5nLC30N562ldOeM5QXjF"
                    forwards: ["LocalHost:5432", "10.0.0.9:80"]
                """.formatted(hub.port()));
        RelayConfig config = RelayConfig.load(file);
        dev.sluice.core.config.SshTarget ssh = config.targets().get("web").ssh().orElseThrow();
        assertThat(ssh.user()).isEqualTo("deploy");
        assertThat(ssh.forwards()).containsExactly("localhost:5432", "10.0.0.9:80");
        assertThat(config.toString()).doesNotContain("ssh-secret-42");
        RelayAgent.enroll(config, registry.newToken("dc-ssh", Duration.ofMinutes(5)));
        try (RelayAgent agent = RelayAgent.start(config)) {
            assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isTrue();

            assertThatThrownBy(() -> hub.open("dc-ssh", "web", "s-10", "catalog", java.util.Map.of()))
                    .hasMessageContaining("opens ssh targets for sessions only");
            assertThatThrownBy(() -> hub.open("dc-ssh", "web", "s-11", "cancel", java.util.Map.of()))
                    .hasMessageContaining("opens ssh targets for sessions only");
        }
    }

    @Test
    void aRelayRenewsItsCertificateBeforeItExpiresAndStaysConnected() throws Exception {
        RelayRegistry shortLived = RelayRegistry.open(dir.resolve("short-gateway"), Clock.systemUTC());
        try (RelayHub quick = RelayHub.start(new RelaysConfig(new HostPort("127.0.0.1", 0), Duration.ofSeconds(6),
                Duration.ofMillis(300), Duration.ofSeconds(5)), shortLived, new ListLog(), Clock.systemUTC(),
                (session, reason) -> { })) {
            Path file = dir.resolve("renewing.yaml");
            Files.writeString(file, """
                    gateway: 127.0.0.1:%d
                    group: dc-renew
                    data-dir: ./renewing-data
                    heartbeat: 300ms
                    targets: []
                    """.formatted(quick.port()));
            RelayConfig config = RelayConfig.load(file);
            String id = RelayAgent.enroll(config, shortLived.newToken("dc-renew", Duration.ofMinutes(1)));
            java.security.cert.X509Certificate first = new RelayIdentity(config.dataDir()).certificate();
            try (RelayAgent agent = RelayAgent.start(config)) {
                assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isTrue();

                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!new RelayIdentity(config.dataDir()).certificate().getNotAfter().after(first.getNotAfter())
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(new RelayIdentity(config.dataDir()).certificate().getNotAfter())
                        .as("renewed when a third of its lifetime was left").isAfter(first.getNotAfter());
                while (!quick.list().stream().map(RelayStatus::id).toList().contains(id)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(quick.list()).as("reconnected with the new certificate").extracting(RelayStatus::id)
                        .contains(id);
                assertThat(RelayCa.identity(new RelayIdentity(config.dataDir()).certificate()))
                        .contains(new RelayCa.Identity(id, "dc-renew"));
            }
        }
    }

    @Test
    void whenTheGatewayDisappearsTheRelayClosesItsTargetConnections() throws Exception {
        RelayRegistry other = RelayRegistry.open(dir.resolve("vanishing-gateway"), Clock.systemUTC());
        java.util.concurrent.CompletableFuture<Integer> targetSaw = new java.util.concurrent.CompletableFuture<>();
        try (java.net.ServerSocket target = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket socket = target.accept()) {
                    targetSaw.complete(socket.getInputStream().read());
                } catch (IOException e) {
                    targetSaw.complete(-2);
                }
            });
            RelayHub vanishing = RelayHub.start(new RelaysConfig(new HostPort("127.0.0.1", 0), Duration.ofDays(1),
                    Duration.ofMillis(300), Duration.ofSeconds(5)), other, new ListLog(), Clock.systemUTC(),
                    (session, reason) -> { });
            Path file = dir.resolve("orphan.yaml");
            Files.writeString(file, """
                    gateway: 127.0.0.1:%d
                    group: dc-orphan
                    data-dir: ./orphan-data
                    heartbeat: 300ms
                    targets:
                      - connection: sink
                        address: 127.0.0.1:%d
                        user: app
                    """.formatted(vanishing.port(), target.getLocalPort()));
            RelayConfig config = RelayConfig.load(file);
            RelayAgent.enroll(config, other.newToken("dc-orphan", Duration.ofMinutes(1)));
            try (RelayAgent agent = RelayAgent.start(config)) {
                assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isTrue();
                java.net.Socket tunnel = vanishing.open("dc-orphan", "sink", "s-3", "cancel", java.util.Map.of());
                tunnel.getOutputStream().write(new byte[0]);

                vanishing.close();

                assertThat(targetSaw.get(20, java.util.concurrent.TimeUnit.SECONDS))
                        .as("the target's connection ended (end of stream or reset), nothing left hanging")
                        .isIn(-1, -2);
                assertThatThrownBy(() -> tunnel.getInputStream().read()).as("the gateway's side ends with why")
                        .hasMessageContaining("the gateway is shutting down");
            }
        }
    }

    /** A list-backed audit log: what the hub records. */
    private static final class ListLog implements AuditLog {
        @Override
        public long append(AuditEvent event) {
            EVENTS.add(event);
            return EVENTS.size();
        }

        @Override
        public List<AuditRecord> query(AuditQuery query) {
            return List.of();
        }

        @Override
        public void close() {
        }
    }
}
