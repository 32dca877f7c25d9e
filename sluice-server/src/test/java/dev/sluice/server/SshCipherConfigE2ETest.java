package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * {@code ssh.ciphers} with the real OpenSSH client: a listener configured with AES-CTR as well as AES-GCM accepts a
 * client restricted to {@code aes128-ctr} (which the default listener refuses: see
 * {@link SshAccessE2ETest#openSshNegotiatesAesGcmWithTheListenerAndAClientWithoutAesGcmIsRefused}), and still
 * refuses a cipher the list does not name.
 */
class SshCipherConfigE2ETest {
    static SshHarness harness;

    @BeforeAll
    static void start() {
        harness = SshHarness.start(h -> "", h -> """
                ssh:
                  ciphers: [aes128-gcm@openssh.com, aes128-ctr]
                """);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void aClientRestrictedToAesCtrIsAcceptedWhenSshCiphersListsIt() {
        Cli.Result result = harness.sshWithKey(harness.callerKey(), List.of("-c", "aes128-ctr", "-o",
                "LogLevel=DEBUG1"), "web-1", "echo by-ctr");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("by-ctr\n");
        assertThat(result.stderr()).contains("kex: client->server cipher: aes128-ctr")
                .contains("kex: server->client cipher: aes128-ctr");
        assertThat(audit()).filteredOn(r -> r.kind().equals("command")).extracting(AuditRecord::statement)
                .contains("echo by-ctr");
    }

    @Test
    void aCipherTheListDoesNotNameIsStillRefused() {
        Cli.Result result = harness.sshWithKey(harness.callerKey(), List.of("-c", "aes256-ctr", "-o",
                "LogLevel=INFO"), "web-1", "echo by-aes256-ctr");

        assertThat(result.exitCode()).isEqualTo(255);
        assertThat(result.stdout()).doesNotContain("by-aes256-ctr");
        assertThat(result.stderr()).contains("no matching cipher found");
        assertThat(audit()).extracting(AuditRecord::statement).doesNotContain("echo by-aes256-ctr");
    }

    @Test
    void openSshsDefaultClientTakesAesCtrOnceTheListenerOffersIt() {
        // the client's order decides, not the listener's: OpenSSH lists AES-CTR before AES-GCM, so listing CTR moves
        // every default OpenSSH client off AES-GCM (docs/ssh.md says so)
        Cli.Result result = harness.sshWithKey(harness.callerKey(), List.of("-o", "LogLevel=DEBUG1"), "web-1",
                "echo by-default");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("by-default\n");
        assertThat(result.stderr()).contains("kex: client->server cipher: aes128-ctr");
    }

    private static List<AuditRecord> audit() {
        return harness.audit(AuditQuery.all().withSubject("agent-key"));
    }
}
