package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;
import dev.sluice.testing.OidcProvider;
import dev.sluice.testing.SshServer;

/**
 * A whole Sluice in front of a real OpenSSH server, for end-to-end tests with the real {@code ssh}, {@code scp},
 * {@code sftp} and {@code rsync}: a throwaway sshd ({@link SshServer}) whose user trusts a key only Sluice holds, a
 * real OIDC provider (issuer id {@code default}, audience {@code sluice}), the target user's password in
 * {@code DIR/target-password} (only Sluice's config references it), a caller key pair registered to
 * {@code agent-key} (groups {@code agents}) and a caller CA, and a {@link Gateway} on free ports. Connection
 * {@code web-1} reaches the sshd with the stored key; {@code extraYaml} adds policies, more connections and so on.
 * Share one per test class.
 */
final class SshHarness implements AutoCloseable {
    static final String ISSUER_ID = "default";
    static final String AUDIENCE = "sluice";

    private final OidcProvider oidc;
    private final SshServer sshd;
    private final Path dir;
    private Gateway gateway;

    private SshHarness(OidcProvider oidc, SshServer sshd, Path dir) {
        this.oidc = oidc;
        this.sshd = sshd;
        this.dir = dir;
    }

    /**
     * Starts everything. {@code extraYaml} (given the harness, for paths and ports) is appended at the top level;
     * {@code connectionsYaml} is appended under {@code connections:} (items indented by 2).
     */
    static SshHarness start(java.util.function.Function<SshHarness, String> connectionsYaml,
                            java.util.function.Function<SshHarness, String> extraYaml) {
        return start(connectionsYaml, extraYaml, options -> options);
    }

    /** As above, with the target sshd's options adjusted ({@link SshServer.Options#withAcceptEnv}, ...). */
    static SshHarness start(java.util.function.Function<SshHarness, String> connectionsYaml,
                            java.util.function.Function<SshHarness, String> extraYaml,
                            java.util.function.UnaryOperator<SshServer.Options> sshdOptions) {
        Path dir;
        try {
            dir = Files.createTempDirectory("sluice-ssh-e2e-");
            keygen(dir.resolve("target-key"), "sluice-target");
            keygen(dir.resolve("caller-key"), "agent-key");
            keygen(dir.resolve("caller-ca"), "caller-ca");
            keygen(dir.resolve("other-ca"), "other-ca");
            keygen(dir.resolve("stranger-key"), "stranger");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        OidcProvider oidc = SharedParts.oidc();
        SshServer sshd;
        try {
            String password = "pw-" + java.util.HexFormat.of().formatHex(new java.security.SecureRandom()
                    .generateSeed(12));
            Files.writeString(dir.resolve("target-password"), password);
            sshd = SshServer.start(sshdOptions.apply(SshServer.Options.defaults()
                    .withAuthorizedKey(Files.readString(dir.resolve("target-key.pub")).strip())
                    .withPassword(password)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(e);
        }
        SshHarness result = new SshHarness(oidc, sshd, dir);
        try {
            Files.writeString(dir.resolve("sluice.yaml"), result.config(connectionsYaml.apply(result),
                    extraYaml.apply(result)));
            result.gateway = Gateway.start(dir.resolve("sluice.yaml"), Clock.systemUTC());
            result.warmUp();
            return result;
        } catch (IOException | RuntimeException e) {
            result.close();
            throw new IllegalStateException("cannot start the SSH harness", e);
        }
    }

    /**
     * One login before the tests, so that the issuer's discovery and keys are fetched and cached: on a loaded
     * machine the first fetch can time out, and the token of whichever test came first would be refused.
     */
    private void warmUp() {
        for (int attempt = 1; attempt <= 3; attempt++) {
            if (sshWithToken(token("warm-up", "sre"), "web-1", "", "true").exitCode() == 0) {
                return;
            }
        }
    }

    private static void keygen(Path file, String comment) {
        Cli.runOrFail(Map.of(), Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                comment, "-f", file.toString());
    }

    String config(String connections, String extra) throws IOException {
        return """
                listen:
                  postgres: off
                  http: 127.0.0.1:0
                  ssh: 127.0.0.1:0
                data-dir: ./data
                identity:
                  oidc:
                    - issuer: %s
                      audience: sluice
                      groups-claim: groups
                  ssh:
                    trusted-user-ca-keys: [%s]
                    ca-groups: [sre]
                    keys:
                      - subject: agent-key
                        groups: [agents]
                        key: "%s"
                connections:
                  - name: web-1
                    type: ssh
                    address: %s
                    user: %s
                    private-key: ${file:%s}
                    host-key: "%s"
                    allow:
                      groups: [sre, agents]
                %s
                """.formatted(oidc.issuer(ISSUER_ID), dir.resolve("caller-ca.pub"),
                Files.readString(dir.resolve("caller-key.pub")).strip(), sshd.address(), sshd.user(),
                dir.resolve("target-key"), sshd.hostKeyLine(), connections.stripTrailing()) + extra;
    }

    Gateway gateway() {
        return gateway;
    }

    SshServer sshd() {
        return sshd;
    }

    Path dir() {
        return dir;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    int port() {
        return gateway.port("ssh");
    }

    int httpPort() {
        return gateway.httpPort();
    }

    String token(String subject, String... groups) {
        return oidc.userToken(ISSUER_ID, subject, AUDIENCE, List.of(groups), Duration.ofMinutes(30));
    }

    /**
     * Signs the unregistered {@link #certKey()} with a CA of this harness ({@code caller-ca} or {@code other-ca}): its
     * certificate file. (Not the registered caller key: a client falls back to the plain key when the certificate
     * is refused.)
     */
    Path certify(String ca, String principal, String validity, String... options) {
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", dir.resolve(ca).toString(),
                "-I", "cert-" + principal, "-n", principal, "-V", validity));
        for (String option : options) {
            command.add("-O");
            command.add(option);
        }
        command.add(dir.resolve("stranger-key.pub").toString());
        Cli.runOrFail(Map.of(), Duration.ofSeconds(20), command.toArray(String[]::new));
        try {
            Path result = dir.resolve("cert-" + ca + "-" + principal + "-" + System.nanoTime() + ".pub");
            Files.move(dir.resolve("stranger-key-cert.pub"), result);
            return result;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The options every client run uses: this gateway, no known_hosts, no agent, no config. */
    List<String> sshOptions() {
        return List.of("-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=10", "-o", "IdentityAgent=none", "-o", "ServerAliveInterval=0");
    }

    /** {@code ssh} through Sluice with {@code token} as the password (through sshpass -e, never on the command line). */
    Cli.Result sshWithToken(String token, String login, String stdin, String... remote) {
        return sshWithToken(token, List.of(), login, stdin, remote);
    }

    /** As above, with more client options (before the destination). */
    Cli.Result sshWithToken(String token, List<String> options, String login, String stdin, String... remote) {
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "ssh"));
        command.addAll(sshOptions());
        command.addAll(options);
        command.addAll(List.of("-o", "LogLevel=ERROR", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                "-p", String.valueOf(port()), login + "@127.0.0.1"));
        command.addAll(List.of(remote));
        return Cli.runWithInput(stdin, Map.of("SSHPASS", token), Duration.ofSeconds(60),
                command.toArray(String[]::new));
    }

    /** {@code ssh} through Sluice with a key ({@code caller-key} unless given) and maybe a certificate. */
    Cli.Result sshWithKey(Path key, List<String> extraOptions, String login, String... remote) {
        List<String> command = new ArrayList<>(List.of("ssh"));
        command.addAll(sshOptions());
        command.addAll(List.of("-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes", "-o",
                "BatchMode=yes", "-i", key.toString()));
        command.addAll(extraOptions);
        command.addAll(List.of("-o", "LogLevel=ERROR", "-p", String.valueOf(port()), login + "@127.0.0.1"));
        command.addAll(List.of(remote));
        return Cli.run(Map.of(), Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    /** A key registered nowhere: it proves something only with a certificate. */
    Path certKey() {
        return dir.resolve("stranger-key");
    }

    Path callerKey() {
        return dir.resolve("caller-key");
    }

    /** The trail as of now. */
    List<AuditRecord> audit(AuditQuery query) {
        gateway.audit().flush();
        return gateway.audit().query(query);
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        sshd.close();
        Cli.run(Map.of(), Duration.ofSeconds(20), "rm", "-rf", dir.toString());
    }
}
