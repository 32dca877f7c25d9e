package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.sluice.relay.RelayAgent;
import dev.sluice.relay.RelayConfig;
import dev.sluice.relay.RelayStatus;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;
import dev.sluice.testing.OidcProvider;
import dev.sluice.testing.SshServer;

/**
 * What a relay adds to SSH, in one run and alternating rounds: one sshd on loopback reached by the gateway directly
 * (connection {@code direct}) and through a relay running in this JVM (connection {@code relayed}, the same host and
 * key): a loop of {@code ssh CONN true} (connection setup: the caller's handshake, the upstream's, through a relay also
 * the inner hop's) and an scp upload (SFTP). Prints the figures and the load average; asserts nothing about them.
 * A benchmark: left out of the suite; run it with {@code m25 -o -q test -pl sluice-server -am
 * -Dsluice.test.excludedGroups= -Dgroups=benchmark -Dtest=RelaySshBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false}
 * (figures in {@code sluice-server/target/surefire-reports/*RelaySshBenchmarkTest-output.txt}).
 */
@Tag("benchmark")
class RelaySshBenchmarkTest {
    private static final int EXECS = Integer.getInteger("sluice.bench.execs", 20);
    private static final int SIZE_MB = Integer.getInteger("sluice.bench.mb", 128);
    private static final int ROUNDS = Integer.getInteger("sluice.bench.rounds", 3);

    @Test
    void sshDirectAndThroughARelay() throws Exception {
        Path dir = Files.createTempDirectory("sluice-relay-ssh-bench-");
        Cli.runOrFail(Map.of(), Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                dir.resolve("key").toString());
        OidcProvider oidc = SharedParts.oidc();
        try (SshServer sshd = SshServer.start(SshServer.Options.defaults()
                .withAuthorizedKey(Files.readString(dir.resolve("key.pub")).strip()))) {
            Path config = dir.resolve("sluice.yaml");
            Files.writeString(config, """
                    listen:
                      postgres: "off"
                      http: 127.0.0.1:0
                      ssh: 127.0.0.1:0
                    data-dir: ./data
                    identity:
                      oidc:
                        - issuer: %s
                          audience: sluice
                          groups-claim: groups
                    relays:
                      listen: 127.0.0.1:0
                    connections:
                      - name: direct
                        type: ssh
                        address: %s
                        user: %s
                        private-key: ${file:%s}
                        host-key: "%s"
                        allow: {groups: [sre]}
                      - name: relayed
                        type: ssh
                        via: bench
                        allow: {groups: [sre]}
                    """.formatted(oidc.issuer(SshHarness.ISSUER_ID), sshd.address(), sshd.user(), dir.resolve("key"),
                    sshd.hostKeyLine()));
            try (Gateway gateway = Gateway.start(config, Clock.systemUTC())) {
                Path relayYaml = dir.resolve("relay.yaml");
                Files.writeString(relayYaml, """
                        gateway: 127.0.0.1:%d
                        group: bench
                        data-dir: ./relay-data
                        targets:
                          - connection: relayed
                            type: ssh
                            address: %s
                            user: %s
                            private-key: ${file:%s}
                            host-key: "%s"
                        """.formatted(gateway.relayPort(), sshd.address(), sshd.user(), dir.resolve("key"),
                        sshd.hostKeyLine()));
                RelayConfig relayConfig = RelayConfig.load(relayYaml);
                RelayAgent.enroll(relayConfig, InProcessCli.run("relay", "token", "--config", config.toString(),
                        "--group", "bench").strip());
                try (RelayAgent relay = RelayAgent.start(relayConfig)) {
                    Eventually.await(Duration.ofSeconds(30), () -> assertThat(gateway.relays())
                            .filteredOn(RelayStatus::healthy).hasSize(1));
                    String token = oidc.userToken(SshHarness.ISSUER_ID, "bench", SshHarness.AUDIENCE,
                            List.of("sre"), Duration.ofHours(1));
                    Path file = dir.resolve("upload.bin");
                    Cli.runOrFail(Map.of(), Duration.ofSeconds(60), "sh", "-c", "head -c " + SIZE_MB
                            + "M /dev/urandom > " + file);
                    for (String connection : List.of("direct", "relayed")) {
                        run(gateway, token, connection, "true"); // warm-up
                    }
                    StringBuilder table = new StringBuilder("| round | path | " + EXECS + " x ssh true (s) | scp "
                            + SIZE_MB + " MiB (s) | load |\n|---|---|---|---|---|\n");
                    for (int round = 1; round <= ROUNDS; round++) {
                        for (String connection : List.of("direct", "relayed")) {
                            long start = System.nanoTime();
                            for (int i = 0; i < EXECS; i++) {
                                Cli.Result result = run(gateway, token, connection, "true");
                                assertThat(result.exitCode()).as(result.stderr()).isZero();
                            }
                            double execs = (System.nanoTime() - start) / 1e9;
                            start = System.nanoTime();
                            Cli.Result scp = scp(gateway, token, connection, file);
                            assertThat(scp.exitCode()).as(scp.stderr()).isZero();
                            double copy = (System.nanoTime() - start) / 1e9;
                            table.append("| %d | %s | %.2f | %.2f | %s |\n".formatted(round, connection, execs, copy,
                                    Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
                        }
                    }
                    System.out.println("RelaySshBenchmarkTest\n" + table);
                }
            }
        } finally {
            Cli.run(Map.of(), Duration.ofSeconds(20), "rm", "-rf", dir.toString());
        }
    }

    private static List<String> options(Gateway gateway, String portFlag) {
        return List.of("-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-o", "PreferredAuthentications=password", "-o",
                "PubkeyAuthentication=no", portFlag, String.valueOf(gateway.port("ssh")));
    }

    private static Cli.Result run(Gateway gateway, String token, String connection, String command) {
        List<String> line = new ArrayList<>(List.of("sshpass", "-e", "ssh"));
        line.addAll(options(gateway, "-p"));
        line.addAll(List.of(connection + "@127.0.0.1", command));
        return Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(60), line.toArray(String[]::new));
    }

    private static Cli.Result scp(Gateway gateway, String token, String connection, Path file) {
        List<String> line = new ArrayList<>(List.of("sshpass", "-e", "scp", "-q"));
        line.addAll(options(gateway, "-P"));
        line.addAll(List.of(file.toString(), connection + "@127.0.0.1:upload-" + connection + ".bin"));
        return Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(600), line.toArray(String[]::new));
    }
}
