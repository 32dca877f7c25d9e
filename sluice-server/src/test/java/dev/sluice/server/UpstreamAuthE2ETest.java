package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import dev.sluice.core.Secret;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.postgres.wire.Md5Password;
import dev.sluice.testing.Cli;
import dev.sluice.testing.PostgresServer;

/**
 * Issue 9, class 11: the hop from Sluice to the database. Impostor servers ({@link FakeUpstream}) that decline TLS
 * and ask for the password in clear or as md5, strip SCRAM-SHA-256-PLUS, skip the SCRAM server proof or let Sluice in
 * without authentication must learn nothing; a real PostgreSQL with TLS is reached with SCRAM-SHA-256-PLUS under
 * {@code channel-binding: require}. Each case runs a real psql through Sluice and checks its output, what the
 * impostor received and the audit trail.
 */
class UpstreamAuthE2ETest {
    private static final Map<FakeUpstream.Script, FakeUpstream> FAKES = new java.util.EnumMap<>(
            FakeUpstream.Script.class);
    private static FakeUpstream clearUnderDisable;
    private static PostgresServer tlsDatabase;
    private static PostgresServer plainDatabase;
    private static String tlsPassword;
    private static Path certDir;
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        certDir = Files.createTempDirectory("sluice-fake-upstream-");
        for (FakeUpstream.Script script : FakeUpstream.Script.values()) {
            FAKES.put(script, FakeUpstream.start(script, certDir));
        }
        clearUnderDisable = FakeUpstream.start(FakeUpstream.Script.DECLINE_TLS_ASK_CLEARTEXT, certDir);
        tlsDatabase = PostgresServer.start(PostgresServer.Options.defaults().withSsl(true));
        tlsPassword = "tls-pw-" + HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(8));
        tlsDatabase.createUser("tlsapp", tlsPassword, false);
        plainDatabase = PostgresServer.start(PostgresServer.Options.defaults());
        plainDatabase.createUser("tlsapp", tlsPassword, false);
        Path passwordFile = certDir.resolve("tls-password");
        Files.writeString(passwordFile, tlsPassword);
        StringBuilder yaml = new StringBuilder();
        yaml.append(fake("fake-clear", FAKES.get(FakeUpstream.Script.DECLINE_TLS_ASK_CLEARTEXT), "prefer", "prefer"));
        yaml.append(fake("fake-md5", FAKES.get(FakeUpstream.Script.DECLINE_TLS_ASK_MD5), "prefer", "prefer"));
        yaml.append(fake("fake-scram-ok", FAKES.get(FakeUpstream.Script.DECLINE_TLS_SCRAM_THEN_OK), "prefer",
                "prefer"));
        yaml.append(fake("fake-strip-require", FAKES.get(FakeUpstream.Script.TLS_STRIP_PLUS), "require", "require"));
        yaml.append(fake("fake-trust-require", FAKES.get(FakeUpstream.Script.TLS_OK_WITHOUT_AUTH), "require",
                "require"));
        yaml.append(fake("fake-clear-disable", clearUnderDisable, "disable", "prefer"));
        yaml.append(real("pg-plus", "require", "require", passwordFile, ""));
        yaml.append(real("pg-verified-plus", "verify-full", "require", passwordFile,
                "      ca-file: " + tlsDatabase.caCertificate().orElseThrow() + "\n"));
        yaml.append(real("pg-prefer", "prefer", "prefer", passwordFile, ""));
        harness = GatewayHarness.start(yaml.toString());
        // The strip-PLUS impostor under prefer needs the same script on a second port.
        FakeUpstream stripPrefer = FakeUpstream.start(FakeUpstream.Script.TLS_STRIP_PLUS, certDir);
        FAKES_EXTRA[0] = stripPrefer;
        harness.writeConfig(yaml + fake("fake-strip-prefer", stripPrefer, "require", "prefer")
                + real("pg-plain-prefer", plainDatabase.port(), "prefer", "prefer", passwordFile, ""));
        Thread.sleep(1_500); // the watcher picks the new file up within a second
    }

    private static final FakeUpstream[] FAKES_EXTRA = new FakeUpstream[1];

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
        FAKES.values().forEach(FakeUpstream::close);
        clearUnderDisable.close();
        if (FAKES_EXTRA[0] != null) {
            FAKES_EXTRA[0].close();
        }
        if (tlsDatabase != null) {
            tlsDatabase.close();
        }
        if (plainDatabase != null) {
            plainDatabase.close();
        }
    }

    private static String fake(String name, FakeUpstream fake, String mode, String binding) {
        return """
                  - name: %s
                    type: postgres
                    address: 127.0.0.1:%d
                    database: orders
                    user: app
                    password: ${file:%s}
                    tls:
                      mode: %s
                      channel-binding: %s
                    allow:
                      groups: [agents]
                """.formatted(name, fake.port(), harnessPasswordFile(), mode, binding);
    }

    private static String real(String name, String mode, String binding, Path passwordFile, String extra) {
        return real(name, tlsDatabase.port(), mode, binding, passwordFile, extra);
    }

    private static String real(String name, int port, String mode, String binding, Path passwordFile,
                               String extra) {
        return """
                  - name: %s
                    type: postgres
                    address: 127.0.0.1:%d
                    database: postgres
                    user: tlsapp
                    password: ${file:%s}
                    tls:
                      mode: %s
                      channel-binding: %s
                %s    allow:
                      groups: [agents]
                """.formatted(name, port, passwordFile, mode, binding, extra);
    }

    /** The fakes are given the harness's real upstream password, so a leak would be the real secret. */
    private static Path harnessPasswordFile() {
        return Path.of(System.getProperty("java.io.tmpdir")).resolve("sluice-upstream-test-password-"
                + ProcessHandle.current().pid());
    }

    static {
        try {
            Files.writeString(harnessPasswordFile(), "s3cret-upstream-" + ProcessHandle.current().pid());
            harnessPasswordFile().toFile().deleteOnExit();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fakePassword() {
        return "s3cret-upstream-" + ProcessHandle.current().pid();
    }

    private static Cli.Result psql(String connection, String sql) {
        return Cli.run(Map.of("PGPASSWORD", harness.token("alice", "agents"), "PGCONNECT_TIMEOUT", "10"),
                Duration.ofSeconds(60), "psql", "-X", "-d", "host=127.0.0.1 port=" + harness.port() + " dbname="
                        + connection + " user=agent sslmode=require", "-tAc", sql);
    }

    private static String receivedBy(FakeUpstream fake) {
        return fake.received().stream().map(b -> new String(b, StandardCharsets.ISO_8859_1))
                .reduce("", String::concat);
    }

    private static void assertNoSecretAnywhere(Cli.Result psql, String received) {
        String md5 = new String(Md5Password.encode("app", Secret.of(fakePassword()), new byte[] {1, 2, 3, 4}),
                StandardCharsets.ISO_8859_1).replace("\0", "");
        assertThat(received).doesNotContain(fakePassword()).doesNotContain(md5);
        assertThat(psql.stdout() + psql.stderr()).doesNotContain(fakePassword());
        assertThat(harness.audit(AuditQuery.all()).toString()).doesNotContain(fakePassword())
                .doesNotContain(tlsPassword);
    }

    @Test
    void anImpostorThatDeclinesTlsAndAsksForACleartextPasswordLearnsNothing() {
        Cli.Result psql = psql("fake-clear", "select 1");
        assertThat(psql.exitCode()).isNotZero();
        assertThat(psql.stderr()).contains("declined TLS and asked for a cleartext password")
                .contains("tls.mode: disable");
        // the fake records a connection once Sluice has closed it, which may be just after psql returned
        dev.sluice.testing.Eventually.await(() -> assertThat(FAKES.get(FakeUpstream.Script.DECLINE_TLS_ASK_CLEARTEXT).received())
                .isNotEmpty().allSatisfy(bytes -> assertThat(bytes).isEmpty()));
        assertNoSecretAnywhere(psql, receivedBy(FAKES.get(FakeUpstream.Script.DECLINE_TLS_ASK_CLEARTEXT)));
    }

    @Test
    void anImpostorThatDeclinesTlsAndAsksForAnMd5HashLearnsNothing() {
        Cli.Result psql = psql("fake-md5", "select 1");
        assertThat(psql.exitCode()).isNotZero();
        assertThat(psql.stderr()).contains("declined TLS and asked for an md5 password hash");
        // the fake records a connection once Sluice has closed it, which may be just after psql returned
        dev.sluice.testing.Eventually.await(() -> assertThat(FAKES.get(FakeUpstream.Script.DECLINE_TLS_ASK_MD5).received())
                .isNotEmpty().allSatisfy(bytes -> assertThat(bytes).isEmpty()));
        assertNoSecretAnywhere(psql, receivedBy(FAKES.get(FakeUpstream.Script.DECLINE_TLS_ASK_MD5)));
    }

    @Test
    void underAnExplicitDisableTheCleartextPasswordDoesGoOutAsConfigured() {
        Cli.Result psql = psql("fake-clear-disable", "select 1");
        assertThat(psql.exitCode()).isNotZero();
        assertThat(receivedBy(clearUnderDisable)).as("the control: disable means disable").contains(fakePassword());
    }

    @Test
    void anImpostorThatSkipsTheScramServerProofIsRefused() {
        Cli.Result psql = psql("fake-scram-ok", "select 1");
        assertThat(psql.exitCode()).isNotZero();
        assertThat(psql.stderr()).contains("ended SCRAM without proving it knows the password");
        String received = receivedBy(FAKES.get(FakeUpstream.Script.DECLINE_TLS_SCRAM_THEN_OK));
        assertThat(received).startsWith("p").contains("SCRAM-SHA-256\0").contains("n,,n=");
        assertNoSecretAnywhere(psql, received);
    }

    @Test
    void underChannelBindingRequireAServerThatStripsPlusGetsNoScramMessage() {
        Cli.Result psql = psql("fake-strip-require", "select 1");
        assertThat(psql.exitCode()).isNotZero();
        assertThat(psql.stderr()).contains("cannot do channel binding (it offers no SCRAM-SHA-256-PLUS)");
        assertThat(FAKES.get(FakeUpstream.Script.TLS_STRIP_PLUS).received()).isNotEmpty()
                .allSatisfy(bytes -> assertThat(bytes).isEmpty());
    }

    @Test
    void underChannelBindingPreferAServerThatStripsPlusIsToldSluiceCouldBind() {
        Cli.Result psql = psql("fake-strip-prefer", "select 1");
        assertThat(psql.exitCode()).isNotZero();
        String received = receivedBy(FAKES_EXTRA[0]);
        // gs2 flag y: a real server that can bind fails this exchange, so stripping PLUS gains the middleman nothing.
        assertThat(received).startsWith("p").contains("SCRAM-SHA-256\0").contains("y,,n=");
        assertNoSecretAnywhere(psql, received);
    }

    @Test
    void underChannelBindingRequireAServerThatLetsSluiceInWithoutAuthenticationIsRefused() {
        Cli.Result psql = psql("fake-trust-require", "select 1");
        assertThat(psql.exitCode()).isNotZero();
        assertThat(psql.stderr()).contains("without SCRAM-SHA-256-PLUS");
    }

    @Test
    void aRealPostgresWithTlsIsReachedWithScramSha256PlusUnderRequire() throws Exception {
        for (String connection : new String[] {"pg-plus", "pg-verified-plus", "pg-prefer"}) {
            Cli.Result psql = psql(connection, "select ssl from pg_stat_ssl where pid = pg_backend_pid()");
            assertThat(psql.stdout().strip()).as(connection + ": " + psql.stderr()).isEqualTo("t");
        }
        assertThat(harness.audit(AuditQuery.all()).toString()).doesNotContain(tlsPassword);
    }

    @Test
    void aRealPostgresWithoutTlsUnderPreferIsReachedWithScramAlone() {
        // The server declines TLS; prefer falls back, and SCRAM (which reveals no password) still runs.
        Cli.Result psql = psql("pg-plain-prefer", "select 'scram without tls'");
        assertThat(psql.stdout()).as(psql.stderr()).contains("scram without tls");
    }

    @Test
    void sluiceCheckWarnsAboutTlsWithoutVerification() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("check", "--config", harness.configFile().toString());
        assertThat(exit).isZero();
        assertThat(err.toString())
                .containsPattern("sluice\\.yaml:\\d+: connections\\[\\d+\\]\\.tls\\.mode: warning: tls\\.mode require is "
                        + "TLS WITHOUT certificate verification: connection \"pg-plus\"")
                .contains("tls.mode prefer is TLS WITHOUT certificate verification")
                .contains("tls.mode disable: connection \"orders\" sends its password in clear")
                .doesNotContain("connection \"pg-verified-plus\"");
    }
}
