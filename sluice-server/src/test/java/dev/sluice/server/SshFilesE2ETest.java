package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Files through Sluice with the real {@code sftp}, {@code scp} (SFTP mode and legacy {@code -O}) and {@code rsync}
 * to a real sshd: a large file both ways with checksums, writes to denied paths refused with
 * {@code SSH_FX_PERMISSION_DENIED} (the host's files checked afterwards), {@code ..} traversal and symbolic links
 * judged as the server resolves them, metadata requests (stat, realpath) on a denied path refused, recursive
 * legacy scp (judged entry by entry) and rsync (opaque) from an allowed root refused where they reach or could reach
 * a denied path, and an allow-list
 * connection where an uploaded script cannot be run.
 */
class SshFilesE2ETest {
    /**
     * The large file's size: 32 MiB by default to keep the suite fast on 2 shared cores; the issue's 256 MiB with
     * {@code -Dsluice.ssh.big-file-mb=256}. Measured 2026-12-03 on the loaded machine: the three large-file tests take
     * 53 s at 256 MiB against 18 s at 32 MiB (docs/benchmarks.md), too slow for a suite that must stay under 6 min.
     */
    static final int BIG = Integer.getInteger("sluice.ssh.big-file-mb", 32) * 1024 * 1024;
    static SshHarness harness;
    static Path local;
    static Path protectedDir;

    @BeforeAll
    static void start() throws Exception {
        harness = SshHarness.start(h -> """
                  - name: web-2
                    type: ssh
                    address: %s
                    user: %s
                    private-key: ${file:%s}
                    host-key: "%s"
                    default: deny
                    allow:
                      groups: [agents]
                """.formatted(h.sshd().address(), h.sshd().user(), h.dir().resolve("target-key"),
                h.sshd().hostKeyLine()), h -> """
                policies:
                  - name: agents-keep-out-of-protected
                    connections: [web-1]
                    groups: [agents]
                    deny:
                      kinds: [WRITE, DELETE, RENAME, MKDIR, RMDIR, SETSTAT, LINK, READ, LIST, STAT]
                      paths: ["*/protected", "*/protected/**", "/etc/**"]
                  - name: web-2-allow-list
                    connections: [web-2]
                    groups: [agents]
                    allow:
                      kinds: [EXEC]
                      commands: [echo, "echo *", ls, "ls *", uptime, whoami, cat, "cat *"]
                  - name: web-2-files
                    connections: [web-2]
                    groups: [agents]
                    allow:
                      kinds: [SUBSYSTEM, WRITE, READ, LIST, SETSTAT, STAT]
                """);
        local = Files.createTempDirectory("sluice-ssh-files-");
        protectedDir = harness.sshd().home().resolve("protected");
        Files.createDirectories(protectedDir);
        Files.writeString(protectedDir.resolve("secret.txt"), "top secret");
        Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "chown", "-R", harness.sshd().user(),
                protectedDir.toString());
        Path big = local.resolve("big.bin");
        try (OutputStream out = Files.newOutputStream(big)) {
            Random random = new Random(42);
            byte[] chunk = new byte[1024 * 1024];
            for (int i = 0; i < BIG / chunk.length; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
        Cli.run(Map.of(), Duration.ofSeconds(20), "rm", "-rf", local.toString());
    }

    private static String agent() {
        return harness.token("agent-files", "agents");
    }

    private static List<String> clientOptions(String portFlag) {
        List<String> result = new ArrayList<>(harness.sshOptions());
        result.addAll(List.of("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                portFlag, String.valueOf(harness.port())));
        return result;
    }

    private static Cli.Result sftp(String token, String login, String batch) throws Exception {
        Path file = Files.createTempFile(local, "batch-", ".txt");
        Files.writeString(file, batch);
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "sftp"));
        command.addAll(clientOptions("-P"));
        // sftp -b turns BatchMode on (no password prompt); the first value of an option wins, so turn it off first
        command.addAll(List.of("-o", "BatchMode=no", "-b", file.toString(), login + "@127.0.0.1"));
        return Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(120), command.toArray(String[]::new));
    }

    private static Cli.Result scp(String token, boolean legacy, String from, String to) {
        return scp(token, legacy, "-q", from, to);
    }

    private static Cli.Result scp(String token, boolean legacy, String flag, String from, String to) {
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "scp", "-q", flag));
        if (legacy) {
            command.add("-O");
        }
        command.addAll(clientOptions("-P"));
        command.addAll(List.of(from, to));
        return Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(120), command.toArray(String[]::new));
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static List<String> denied(String subject) {
        return audit(subject).stream().filter(r -> r.kind().equals("command") && r.verdict().equals("deny"))
                .map(AuditRecord::statement).toList();
    }

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject));
    }

    @Test
    void aLargeFileGoesBothWaysBySftpWithItsChecksum() throws Exception {
        String token = harness.token("alice", "sre");
        Path back = local.resolve("back-sftp.bin");

        Cli.Result result = sftp(token, "web-1", "put " + local.resolve("big.bin") + " big-sftp.bin\nget big-sftp.bin "
                + back + "\n");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(sha256(harness.sshd().home().resolve("big-sftp.bin"))).isEqualTo(sha256(local.resolve("big.bin")));
        assertThat(sha256(back)).isEqualTo(sha256(local.resolve("big.bin")));
        assertThat(audit("alice")).extracting(AuditRecord::statement).anySatisfy(s ->
                assertThat(s).startsWith("sftp open write").endsWith("/big-sftp.bin"));
    }

    @Test
    void aLargeFileGoesBothWaysByScpInBothModes() throws Exception {
        String token = harness.token("alice", "sre");
        for (boolean legacy : new boolean[] {false, true}) {
            String name = legacy ? "big-scp-legacy.bin" : "big-scp.bin";
            Path back = local.resolve("back-" + name);
            Cli.Result up = scp(token, legacy, local.resolve("big.bin").toString(), "web-1@127.0.0.1:" + name);
            Cli.Result down = scp(token, legacy, "web-1@127.0.0.1:" + name, back.toString());

            assertThat(up.exitCode()).as(up.stderr()).isZero();
            assertThat(down.exitCode()).as(down.stderr()).isZero();
            assertThat(sha256(harness.sshd().home().resolve(name))).isEqualTo(sha256(local.resolve("big.bin")));
            assertThat(sha256(back)).isEqualTo(sha256(local.resolve("big.bin")));
        }
        assertThat(audit("alice")).extracting(AuditRecord::statement).contains("scp -t big-scp-legacy.bin",
                "scp -f big-scp-legacy.bin");
    }

    @Test
    void aLargeFileGoesBothWaysByRsync() throws Exception {
        String ssh = "sshpass -e ssh " + String.join(" ", clientOptions("-p"));
        Path back = local.resolve("back-rsync.bin");
        Map<String, String> env = Map.of("SSHPASS", harness.token("alice", "sre"));

        Cli.Result up = Cli.run(env, Duration.ofSeconds(120), "rsync", "-e", ssh, local.resolve("big.bin").toString(),
                "web-1@127.0.0.1:big-rsync.bin");
        Cli.Result down = Cli.run(env, Duration.ofSeconds(120), "rsync", "-e", ssh, "web-1@127.0.0.1:big-rsync.bin",
                back.toString());

        assertThat(up.exitCode()).as(up.stderr()).isZero();
        assertThat(down.exitCode()).as(down.stderr()).isZero();
        assertThat(sha256(harness.sshd().home().resolve("big-rsync.bin"))).isEqualTo(sha256(local.resolve("big.bin")));
        assertThat(sha256(back)).isEqualTo(sha256(local.resolve("big.bin")));
    }

    @Test
    void sftpWritesToADeniedPathAreRefusedAndNothingChanges() throws Exception {
        Path upload = local.resolve("evil.txt");
        Files.writeString(upload, "evil");

        Cli.Result put = sftp(agent(), "web-1", "put " + upload + " protected/evil.txt\n");
        Cli.Result remove = sftp(agent(), "web-1", "rm protected/secret.txt\n");
        Cli.Result rename = sftp(agent(), "web-1", "rename protected/secret.txt moved.txt\n");
        Cli.Result get = sftp(agent(), "web-1", "get protected/secret.txt " + local.resolve("stolen.txt") + "\n");

        for (Cli.Result result : List.of(put, remove, rename)) {
            assertThat(result.exitCode()).isNotZero();
            assertThat(result.stderr()).containsIgnoringCase("permission denied").doesNotContain("(password");
        }
        // sftp's get stats the file first: that is refused, and the client calls it "not found"
        assertThat(get.exitCode()).isNotZero();
        assertThat(get.stderr()).doesNotContain("(password");
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).contains("open write")
                .endsWith("/protected/evil.txt"));
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).contains("remove")
                .endsWith("/protected/secret.txt"));
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).contains("rename")
                .contains("/protected/secret.txt -> "));
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).matches("sftp (open read|stat|lstat) .*")
                .endsWith("/protected/secret.txt"));
        assertThat(protectedDir.resolve("evil.txt")).doesNotExist();
        assertThat(protectedDir.resolve("secret.txt")).hasContent("top secret");
        assertThat(harness.sshd().home().resolve("moved.txt")).doesNotExist();
        assertThat(local.resolve("stolen.txt")).doesNotExist();
        assertThat(audit("agent-files")).filteredOn(r -> r.verdict().equals("deny"))
                .extracting(AuditRecord::statement).anySatisfy(s -> assertThat(s).contains("/protected/evil.txt"));
    }

    @Test
    void traversalIsJudgedAsTheResolvedPath() throws Exception {
        Path upload = local.resolve("evil2.txt");
        Files.writeString(upload, "evil");

        Cli.Result result = sftp(agent(), "web-1", "put " + upload + " ./x/../protected/./evil2.txt\n");
        Cli.Result up = sftp(agent(), "web-1", "put " + upload + " ../../../../../../etc/sluice-evil\n");

        assertThat(result.stderr()).containsIgnoringCase("permission denied").doesNotContain("(password");
        assertThat(up.stderr()).containsIgnoringCase("permission denied").doesNotContain("(password");
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).endsWith("/protected/evil2.txt"));
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).endsWith(" /etc/sluice-evil"));
        assertThat(protectedDir.resolve("evil2.txt")).doesNotExist();
        assertThat(Path.of("/etc/sluice-evil")).doesNotExist();
    }

    @Test
    void aSymbolicLinkIntoADeniedDirectoryIsJudgedAsItsTarget() throws Exception {
        Path link = harness.sshd().home().resolve("innocent");
        Files.createSymbolicLink(link, protectedDir);

        Cli.Result read = sftp(agent(), "web-1", "get innocent/secret.txt " + local.resolve("via-link.txt") + "\n");
        Cli.Result made = sftp(agent(), "web-1", "symlink protected/secret.txt harmless\n");

        assertThat(read.exitCode()).isNotZero();
        assertThat(read.stderr()).doesNotContain("(password");
        assertThat(local.resolve("via-link.txt")).doesNotExist();
        assertThat(made.stderr()).containsIgnoringCase("permission denied").doesNotContain("(password");
        assertThat(harness.sshd().home().resolve("harmless")).doesNotExist();
        assertThat(audit("agent-files")).extracting(AuditRecord::statement).anySatisfy(s ->
                assertThat(s).contains("innocent/secret.txt").contains("resolves to").contains("protected/secret.txt"));
    }

    @Test
    void legacyScpIntoADeniedDirectoryIsRefused() throws Exception {
        Path upload = local.resolve("evil3.txt");
        Files.writeString(upload, "evil");

        Cli.Result result = scp(agent(), true, upload.toString(), "web-1@127.0.0.1:protected/evil3.txt");

        assertThat(result.exitCode()).isNotZero();
        assertThat(protectedDir.resolve("evil3.txt")).doesNotExist();
        assertThat(result.stderr()).contains("Sluice:");
        assertThat(denied("agent-files")).contains("scp -t protected/evil3.txt");
    }

    @Test
    void onAnAllowListConnectionAnUploadedScriptCannotBeRun() throws Exception {
        Path script = local.resolve("payload.sh");
        Files.writeString(script, "#!/bin/sh\ntouch " + harness.sshd().home().resolve("pwned") + "\n");

        Cli.Result upload = sftp(agent(), "web-2", "put " + script + " payload.sh\nchmod 755 payload.sh\n");
        Cli.Result run = harness.sshWithToken(agent(), "web-2", "", "./payload.sh");
        Cli.Result viaSh = harness.sshWithToken(agent(), "web-2", "", "sh payload.sh");
        Cli.Result cp = harness.sshWithToken(agent(), "web-2", "", "cp /dev/null payload.sh");
        Cli.Result allowed = harness.sshWithToken(agent(), "web-2", "", "echo fine");

        assertThat(upload.exitCode()).as(upload.stderr()).isZero();
        assertThat(run.exitCode()).isEqualTo(126);
        assertThat(viaSh.exitCode()).isEqualTo(126);
        assertThat(cp.exitCode()).isEqualTo(126);
        assertThat(harness.sshd().home().resolve("pwned")).doesNotExist();
        assertThat(allowed.stdout()).as(allowed.stderr()).isEqualTo("fine\n");
    }

    @Test
    void metadataOfADeniedPathIsRefusedAndAudited() throws Exception {
        Cli.Result cd = sftp(agent(), "web-1", "cd protected\n");
        Cli.Result ls = sftp(agent(), "web-1", "ls -l protected/secret.txt\n");
        Cli.Result allowed = sftp(agent(), "web-1", "cd .\nls -l\n");

        assertThat(cd.exitCode()).isNotZero();
        assertThat(ls.exitCode()).isNotZero();
        assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).matches("sftp (stat|realpath) .*/protected"));
        assertThat(denied("agent-files")).anySatisfy(s -> assertThat(s).matches("sftp (stat|lstat) .*/protected/secret.txt"));
    }

    @Test
    void recursiveLegacyScpAndRsyncCannotReachADeniedPathFromAnAllowedRoot() throws Exception {
        Path tree = local.resolve("tree");
        Files.createDirectories(tree.resolve("protected"));
        Files.writeString(tree.resolve("protected/evil-r.txt"), "evil");
        Files.writeString(tree.resolve("ok.txt"), "fine");
        Path down = Files.createDirectories(local.resolve("rsync-down"));
        String ssh = "sshpass -e ssh " + String.join(" ", clientOptions("-p"));
        Map<String, String> agentEnv = Map.of("SSHPASS", agent());

        // the root (home) is allowed; what recursion writes below it (~/protected/evil-r.txt) is not
        Cli.Result scpUp = scp(agent(), true, "-r", tree.resolve("protected").toString(), "web-1@127.0.0.1:.");
        Cli.Result rsyncUp = Cli.run(agentEnv, Duration.ofSeconds(60), "rsync", "-r", "-e", ssh,
                tree + "/", "web-1@127.0.0.1:.");
        Cli.Result rsyncDown = Cli.run(agentEnv, Duration.ofSeconds(60), "rsync", "-r", "-e", ssh,
                "web-1@127.0.0.1:.", down.toString());
        Cli.Result single = Cli.run(agentEnv, Duration.ofSeconds(60), "rsync", "-e", ssh,
                tree.resolve("ok.txt").toString(), "web-1@127.0.0.1:ok-single.txt");
        Cli.Result sre = scp(harness.token("alice", "sre"), true, "-r", tree.toString(), "web-1@127.0.0.1:alice-tree");

        for (Cli.Result refused : List.of(scpUp, rsyncUp, rsyncDown)) {
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.stderr()).contains("Sluice:").contains("agents-keep-out-of-protected");
        }
        assertThat(protectedDir.resolve("evil-r.txt")).doesNotExist();
        assertThat(down.resolve("protected/secret.txt")).doesNotExist();
        assertThat(single.exitCode()).as(single.stderr()).isZero();
        assertThat(harness.sshd().home().resolve("ok-single.txt")).hasContent("fine");
        assertThat(sre.exitCode()).as(sre.stderr()).isZero();
        assertThat(harness.sshd().home().resolve("alice-tree/protected/evil-r.txt")).hasContent("evil");
        // legacy scp is judged entry by entry (SshLegacyScpE2ETest): the exec is allowed, the directory refused
        assertThat(denied("agent-files")).contains("scp mkdir ~/protected (or ~/)").doesNotContain("scp -r -t .");
    }
}
