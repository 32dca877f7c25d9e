package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * The legacy scp protocol ({@code scp -O}, {@code scp -t}/{@code scp -f} on the host) judged file by file, with the
 * real OpenSSH {@code scp} through Sluice to a real sshd: allowed recursive uploads and downloads arrive byte for
 * byte; a denied file or directory inside a recursive transfer is skipped (absent on the host or on the caller's
 * side), told to the caller and audited, while the rest arrives; crafted streams ({@code ../} names, a {@code D ..}
 * line, control characters in names, lines smuggled behind a refused entry) are refused and write nothing.
 */
class SshLegacyScpE2ETest {
    static SshHarness harness;
    static Path local;
    static Path home;

    @BeforeAll
    static void start() throws Exception {
        harness = SshHarness.start(h -> "", h -> """
                policies:
                  - name: agents-keep-out-of-protected
                    connections: [web-1]
                    groups: [agents]
                    deny:
                      kinds: [WRITE, DELETE, RENAME, MKDIR, RMDIR, SETSTAT, LINK, READ, LIST, STAT]
                      paths: ["*/protected", "*/protected/**", "/etc/**"]
                """);
        local = Files.createTempDirectory("sluice-scp-legacy-");
        home = harness.sshd().home();
        Files.createDirectories(home.resolve("protected"));
        Files.writeString(home.resolve("protected/secret.txt"), "top secret");
        Files.createDirectories(home.resolve("dl-tree/sub"));
        Files.createDirectories(home.resolve("dl-tree/protected"));
        Files.writeString(home.resolve("dl-tree/protected/secret.txt"), "top secret");
        Files.write(home.resolve("dl-tree/sub/data.bin"), random(300_000, 7));
        Files.writeString(home.resolve("dl-tree/readme.txt"), "hello\n");
        Files.createDirectories(home.resolve("adir"));
        chownHome();
    }

    @AfterAll
    static void stop() {
        harness.close();
        Cli.run(Map.of(), Duration.ofSeconds(20), "rm", "-rf", local.toString());
    }

    private static void chownHome() {
        Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "chown", "-R", harness.sshd().user(), home.toString());
    }

    private static byte[] random(int size, long seed) {
        byte[] result = new byte[size];
        new Random(seed).nextBytes(result);
        return result;
    }

    private static String agent() {
        return harness.token("agent-scp", "agents");
    }

    private static Cli.Result scp(String token, String... args) {
        List<String> command = new ArrayList<>(List.of("sshpass", "-e", "scp", "-O", "-q"));
        command.addAll(harness.sshOptions());
        command.addAll(List.of("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                "-P", String.valueOf(harness.port())));
        command.addAll(List.of(args));
        return Cli.run(Map.of("SSHPASS", token), Duration.ofSeconds(120), command.toArray(String[]::new));
    }

    private static List<AuditRecord> commands(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject)).stream()
                .filter(r -> r.kind().equals("command")).toList();
    }

    private static List<String> denied(String subject) {
        return commands(subject).stream().filter(r -> r.verdict().equals("deny")).map(AuditRecord::statement)
                .toList();
    }

    @Test
    void anAllowedRecursiveUploadAndDownloadArriveByteForByteAndEachFileIsAudited() throws Exception {
        Path tree = Files.createDirectories(local.resolve("up/tree/nested"));
        Files.write(tree.resolve("blob.bin"), random(1_500_000, 1));
        Files.writeString(local.resolve("up/tree/note.txt"), "a note\n");
        Files.write(local.resolve("single.bin"), random(70_000, 2));
        String token = harness.token("alice-scp", "sre");

        Cli.Result up = scp(token, "-r", local.resolve("up/tree").toString(), "web-1@127.0.0.1:up-tree");
        Cli.Result single = scp(token, local.resolve("single.bin").toString(), "web-1@127.0.0.1:single.bin");
        Path back = Files.createDirectories(local.resolve("back"));
        Cli.Result down = scp(token, "-r", "web-1@127.0.0.1:up-tree", back.toString());
        Cli.Result singleDown = scp(token, "web-1@127.0.0.1:single.bin", back.resolve("single.bin").toString());

        for (Cli.Result result : List.of(up, single, down, singleDown)) {
            assertThat(result.exitCode()).as(result.stderr()).isZero();
        }
        assertThat(Files.readAllBytes(home.resolve("up-tree/nested/blob.bin"))).isEqualTo(random(1_500_000, 1));
        assertThat(home.resolve("up-tree/note.txt")).hasContent("a note");
        assertThat(Files.readAllBytes(home.resolve("single.bin"))).isEqualTo(random(70_000, 2));
        assertThat(Files.readAllBytes(back.resolve("up-tree/nested/blob.bin"))).isEqualTo(random(1_500_000, 1));
        assertThat(back.resolve("up-tree/note.txt")).hasContent("a note");
        assertThat(Files.readAllBytes(back.resolve("single.bin"))).isEqualTo(random(70_000, 2));
        List<String> statements = commands("alice-scp").stream().filter(r -> r.verdict().equals("allow"))
                .map(AuditRecord::statement).toList();
        // an upload's top-level entry has two readings (ROOT a directory or not): both are judged
        assertThat(statements).contains("scp -r -t up-tree", "scp write ~/up-tree/tree/nested/blob.bin "
                + "(or ~/up-tree/nested/blob.bin)", "scp mkdir ~/up-tree/tree (or ~/up-tree)",
                "scp write ~/single.bin/single.bin (or ~/single.bin)", "scp list ~/up-tree",
                "scp read ~/up-tree/nested/blob.bin", "scp read ~/single.bin");
    }

    @Test
    void aDeniedFileOrDirectoryInARecursiveUploadIsSkippedToldAndAuditedWhileTheRestArrives() throws Exception {
        Path tree = Files.createDirectories(local.resolve("mixed/tree2"));
        Files.createDirectories(tree.resolve("protected"));
        Files.writeString(tree.resolve("protected/evil.txt"), "evil");
        Files.createDirectories(tree.resolve("sub"));
        Files.writeString(tree.resolve("sub/protected"), "evil file");
        Files.writeString(tree.resolve("sub/fine.txt"), "fine");
        Files.writeString(tree.resolve("ok.txt"), "ok");

        Cli.Result result = scp(agent(), "-r", tree.toString(), "web-1@127.0.0.1:.");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("Sluice:").contains("agents-keep-out-of-protected");
        assertThat(home.resolve("tree2/ok.txt")).hasContent("ok");
        assertThat(home.resolve("tree2/sub/fine.txt")).hasContent("fine");
        assertThat(home.resolve("tree2/protected")).doesNotExist();
        assertThat(home.resolve("tree2/sub/protected")).doesNotExist();
        assertThat(home.resolve("protected/evil.txt")).doesNotExist();
        assertThat(denied("agent-scp")).contains("scp mkdir ~/tree2/protected (or ~/protected)",
                "scp write ~/tree2/sub/protected (or ~/sub/protected)");
    }

    @Test
    void aDeniedDirectoryInARecursiveDownloadNeverLeavesTheHost() throws Exception {
        Path down = Files.createDirectories(local.resolve("down"));

        Cli.Result result = scp(agent(), "-r", "web-1@127.0.0.1:dl-tree", down.toString());

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("Sluice:").contains("agents-keep-out-of-protected");
        assertThat(down.resolve("dl-tree/readme.txt")).hasContent("hello");
        assertThat(Files.readAllBytes(down.resolve("dl-tree/sub/data.bin"))).isEqualTo(random(300_000, 7));
        assertThat(down.resolve("dl-tree/protected")).doesNotExist();
        assertThat(denied("agent-scp")).contains("scp list ~/dl-tree/protected");
    }

    /** A crafted source stream: {@code ssh web-1 'scp -t .'} with the given stdin; the client's stdout is the sink's. */
    private static Cli.Result crafted(String stream) {
        return harness.sshWithToken(agent(), "web-1", stream, "scp -t .");
    }

    @Test
    void namesThatLeaveTheTargetDirectoryOrCarryControlCharactersStopTheTransfer() throws Exception {
        Path parent = home.getParent();
        Cli.Result dotDot = crafted("C0644 5 ../evil-up\nevil\n\0");
        Cli.Result dirDotDot = crafted("D0755 0 ..\nC0644 5 evil-dd\nevil\n\0E\n");
        Cli.Result slash = crafted("C0644 5 protected/evil-slash\nevil\n\0");
        Cli.Result control = crafted("C0644 5 evil\r\u001b[2Kinnocent\nevil\n\0");

        for (Cli.Result result : List.of(dotDot, dirDotDot, slash, control)) {
            assertThat(result.stdout()).contains("\u0002Sluice: scp transfer stopped");
        }
        assertThat(dotDot.stdout()).contains("\"../evil-up\" is refused");
        assertThat(control.stdout()).contains("no control characters");
        assertThat(parent.resolve("evil-up")).doesNotExist();
        assertThat(parent.resolve("evil-dd")).doesNotExist();
        assertThat(home.resolve("evil-dd")).doesNotExist();
        assertThat(home.resolve("protected/evil-slash")).doesNotExist();
        try (var files = Files.list(home)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("evil"));
        }
        assertThat(denied("agent-scp")).filteredOn(s -> s.equals("scp upload")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(harness.audit(AuditQuery.all().withSubject("agent-scp"))).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("scp upload");
            assertThat(r.error()).contains("\"../evil-up\" is refused");
        });
    }

    @Test
    void linesSmuggledBehindARefusedOrFailedEntryAreJudgedAsTheHostReadsThem() throws Exception {
        // 1: a refused directory, then its entries sent without waiting for the answer: the host never hears of
        // the directory, so what follows is read (and judged) at the top level, as the host reads it.
        String smuggledAfterRefusal = "D0755 0 protected\nC0644 4 smug-a\nevil\0E\n";
        // 2: a file whose open fails on the host (adir is a directory): its "contents" are control lines to the
        // host, and Sluice reads them as such too (it waits for the host's answer before counting contents).
        String behind = "D0755 0 protected\nC0644 4 smug-b\n";
        String smuggledAfterFailure = "C0644 " + behind.length() + " adir\n" + behind + "evil\0E\n";

        Cli.Result first = crafted(smuggledAfterRefusal);
        Cli.Result second = crafted(smuggledAfterFailure);

        assertThat(first.stdout()).contains("\u0001Sluice:");
        assertThat(second.stdout()).contains("\u0001Sluice:");
        assertThat(home.resolve("protected/smug-a")).doesNotExist();
        assertThat(home.resolve("protected/smug-b")).doesNotExist();
        assertThat(home.resolve("protected/secret.txt")).hasContent("top secret");
        assertThat(denied("agent-scp")).contains("scp mkdir ~/protected (or ~/)");
        assertThat(commands("agent-scp")).extracting(AuditRecord::statement).contains("scp write ~/adir (or ~/)");
    }

    @Test
    void withTimesPreservedADeniedEntryIsSkippedAndTheAllowedOnesKeepTheirOwnTimes() throws Exception {
        Path tree = Files.createDirectories(local.resolve("timed/tree3"));
        Files.writeString(tree.resolve("protected"), "evil file");
        Files.writeString(tree.resolve("kept.txt"), "kept");
        java.nio.file.attribute.FileTime past = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
        java.nio.file.attribute.FileTime older = java.nio.file.attribute.FileTime.fromMillis(900_000_000_000L);
        Files.setLastModifiedTime(tree.resolve("protected"), older);
        Files.setLastModifiedTime(tree.resolve("kept.txt"), past);
        Files.createDirectories(home.resolve("dl-timed/protected"));
        Files.writeString(home.resolve("dl-timed/protected/secret.txt"), "top secret");
        Files.writeString(home.resolve("dl-timed/plain.txt"), "plain");
        Files.setLastModifiedTime(home.resolve("dl-timed/plain.txt"), past);
        chownHome();

        Cli.Result up = scp(agent(), "-r", "-p", tree.toString(), "web-1@127.0.0.1:.");
        Path down = Files.createDirectories(local.resolve("timed-down"));
        Cli.Result back = scp(agent(), "-r", "-p", "web-1@127.0.0.1:dl-timed", down.toString());

        assertThat(up.exitCode()).isNotZero();
        assertThat(up.stderr()).contains("Sluice:");
        assertThat(home.resolve("tree3/protected")).doesNotExist();
        assertThat(home.resolve("tree3/kept.txt")).hasContent("kept");
        assertThat(Files.getLastModifiedTime(home.resolve("tree3/kept.txt"))).isEqualTo(past);
        assertThat(back.exitCode()).isNotZero();
        assertThat(down.resolve("dl-timed/plain.txt")).hasContent("plain");
        assertThat(Files.getLastModifiedTime(down.resolve("dl-timed/plain.txt"))).isEqualTo(past);
        assertThat(down.resolve("dl-timed/protected")).doesNotExist();
        assertThat(denied("agent-scp")).contains("scp list ~/dl-timed/protected");
    }
}
