package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;

/**
 * Masking for the caller on SSH with the real {@code sftp}, {@code scp}, {@code rsync} and {@code ssh -tt} to a real
 * sshd: a text file with card numbers and mail addresses (one card straddling the 32 KiB boundary between two SFTP
 * reads) arrives masked, byte for byte the same size; a binary file is refused rather than sent unmasked; legacy scp
 * downloads and rsync, whose streams Sluice cannot mask, are refused with the reason; a terminal's output (a PTY
 * exec, a shell, {@code grep --color}) is masked with its escape sequences kept; the target's files never change.
 */
class SshMaskingE2ETest {
    static final String CARD = "4242 4242 4242 4242";
    static final String MAIL = "ada@example.com";
    static SshHarness harness;
    static Path local;
    static String cards;
    static String expected;

    @BeforeAll
    static void start() throws Exception {
        harness = SshHarness.start(h -> "", h -> """
                masking:
                  - name: cards-and-mail
                    connections: [web-1]
                    unless-groups: [dpo]
                    detectors: [card, email]
                    strategy: redact
                """);
        local = Files.createTempDirectory("sluice-ssh-masking-");
        StringBuilder text = new StringBuilder("x".repeat(32768 - 8)).append(' ').append(CARD).append('\n');
        for (int i = 0; i < 2000; i++) {
            text.append("row ").append(i).append(" é ").append(i % 7 == 0 ? CARD : "no card").append(' ')
                    .append(i % 5 == 0 ? MAIL : "nobody").append('\n');
        }
        cards = text.toString();
        expected = cards.replace(CARD, "**** **** **** ****").replace(MAIL, "***@*******.***");
        Path home = harness.sshd().home();
        Files.writeString(home.resolve("cards.txt"), cards);
        Files.writeString(home.resolve("short.txt"), "pay " + CARD + " to " + MAIL + "\n");
        byte[] blob = ("\0\1\2 " + CARD + " \0").getBytes(StandardCharsets.UTF_8);
        Files.write(home.resolve("blob.bin"), blob);
        Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "chown", harness.sshd().user(), home.resolve("cards.txt")
                .toString(), home.resolve("short.txt").toString(), home.resolve("blob.bin").toString());
    }

    @AfterAll
    static void stop() {
        harness.close();
        Cli.run(Map.of(), Duration.ofSeconds(20), "rm", "-rf", local.toString());
    }

    private static List<String> clientOptions(String portFlag) {
        List<String> result = new ArrayList<>(harness.sshOptions());
        result.addAll(List.of("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                portFlag, String.valueOf(harness.port())));
        return result;
    }

    private static Cli.Result sftp(String token, String batch) throws Exception {
        Path file = Files.createTempFile(local, "batch-", ".txt");
        Files.writeString(file, batch);
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "sftp"));
        command.addAll(clientOptions("-P"));
        command.addAll(List.of("-o", "BatchMode=no", "-b", file.toString(), "web-1@127.0.0.1"));
        return Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    private static Cli.Result scp(String token, boolean legacy, String from, String to) {
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "scp", "-q"));
        if (legacy) {
            command.add("-O");
        }
        command.addAll(clientOptions("-P"));
        command.addAll(List.of(from, to));
        return Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject));
    }

    @Test
    void aTextFileFetchedBySftpOrScpArrivesMaskedWithEveryByteInPlace() throws Exception {
        String token = harness.token("alice-files", "sre");
        Path bySftp = local.resolve("cards-sftp.txt");
        Path byScp = local.resolve("cards-scp.txt");

        Cli.Result get = sftp(token, "get cards.txt " + bySftp + "\n");
        Cli.Result copy = scp(token, false, "web-1@127.0.0.1:cards.txt", byScp.toString());

        assertThat(get.exitCode()).as(get.stderr()).isZero();
        assertThat(copy.exitCode()).as(copy.stderr()).isZero();
        for (Path file : List.of(bySftp, byScp)) {
            assertThat(Files.size(file)).isEqualTo(cards.getBytes(StandardCharsets.UTF_8).length);
            assertThat(Files.readString(file)).doesNotContain("4242").doesNotContain(MAIL).isEqualTo(expected);
        }
        assertThat(harness.sshd().home().resolve("cards.txt")).hasContent(cards);
        assertThat(audit("alice-files")).extracting(AuditRecord::statement).anySatisfy(s ->
                assertThat(s).startsWith("sftp open read").endsWith("/cards.txt"));
    }

    @Test
    void aCallerExemptFromTheRuleGetsTheFileAsItIs() throws Exception {
        Path clear = local.resolve("cards-dpo.txt");

        Cli.Result get = sftp(harness.token("dora", "dpo", "sre"), "get cards.txt " + clear + "\n");

        assertThat(get.exitCode()).as(get.stderr()).isZero();
        assertThat(clear).hasContent(cards);
    }

    @Test
    void aBinaryFileIsRefusedRatherThanSentUnmasked() throws Exception {
        Path stolen = local.resolve("blob.bin");

        Cli.Result get = sftp(harness.token("alice-blob", "sre"), "get blob.bin " + stolen + "\n");

        assertThat(get.exitCode()).isNotZero();
        assertThat(get.stderr()).containsIgnoringCase("permission denied");
        assertThat(!Files.exists(stolen) || !Files.readString(stolen, StandardCharsets.ISO_8859_1).contains("4242"))
                .isTrue();
        assertThat(audit("alice-blob")).filteredOn(r -> r.verdict().equals("deny")).extracting(AuditRecord::statement)
                .anySatisfy(s -> assertThat(s).contains("read ").endsWith("/blob.bin"));
    }

    @Test
    void legacyScpDownloadsAndRsyncAreRefusedWithTheReasonWhileUploadsStillWork() throws Exception {
        String token = harness.token("alice-legacy", "sre");
        Path up = local.resolve("upload.txt");
        Files.writeString(up, "plain upload\n");
        String ssh = "sshpass -e ssh " + String.join(" ", clientOptions("-p"));

        Cli.Result legacy = scp(token, true, "web-1@127.0.0.1:cards.txt", local.resolve("legacy.txt").toString());
        Cli.Result rsync = Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(60), "rsync", "-e", ssh,
                "web-1@127.0.0.1:cards.txt", local.resolve("rsync.txt").toString());
        Cli.Result upload = scp(token, true, up.toString(), "web-1@127.0.0.1:uploaded.txt");

        assertThat(legacy.exitCode()).isNotZero();
        assertThat(legacy.stderr()).contains("Sluice:").contains("cannot be masked");
        assertThat(local.resolve("legacy.txt")).doesNotExist();
        assertThat(rsync.exitCode()).isNotZero();
        assertThat(local.resolve("rsync.txt")).doesNotExist();
        assertThat(upload.exitCode()).as(upload.stderr()).isZero();
        assertThat(harness.sshd().home().resolve("uploaded.txt")).hasContent("plain upload\n");
        assertThat(audit("alice-legacy")).filteredOn(r -> r.verdict().equals("deny"))
                .extracting(AuditRecord::statement).contains("scp -f cards.txt");
    }

    @Test
    void aTerminalsOutputIsMaskedForTheCallerWithItsEscapeSequencesKept() {
        String token = harness.token("alice-tty", "sre");

        Cli.Result exec = harness.sshWithToken(token, List.of("-tt"), "web-1", "", "cat short.txt");
        Cli.Result coloured = harness.sshWithToken(token, List.of("-tt"), "web-1", "",
                "grep --color=always 4242 short.txt");
        Cli.Result shell = harness.sshWithToken(token, List.of("-tt"), "web-1", "cat short.txt; exit\n");
        Cli.Result plain = harness.sshWithToken(token, "web-1", "", "cat short.txt");

        assertThat(exec.stdout()).contains("pay **** **** **** **** to ***@*******.***").doesNotContain("4242");
        assertThat(coloured.stdout()).contains("\u001b[").contains("****").doesNotContain("4242")
                .doesNotContain(MAIL);
        assertThat(shell.stdout()).contains("**** **** **** ****").doesNotContain("4242").doesNotContain(MAIL);
        assertThat(plain.stdout()).isEqualTo("pay [REDACTED] to [REDACTED]\n");
        Eventually.await(() -> assertThat(audit("alice-tty")).filteredOn(r -> r.kind().equals("recording"))
                .isNotEmpty().allSatisfy(r -> assertThat(r.details().toString()).doesNotContain(CARD)
                        .doesNotContain(MAIL)));
    }
}
