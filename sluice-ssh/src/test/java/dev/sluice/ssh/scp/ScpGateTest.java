package dev.sluice.ssh.scp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.ssh.sftp.FileJudge;
import dev.sluice.ssh.sftp.FileOp;

/**
 * The scp gate in front of the real OpenSSH {@code scp -t} (the sink an upload runs on the host), fed crafted
 * source streams: what the host's scp writes is checked on disk afterwards, with what the gate judged and told.
 */
class ScpGateTest {
    static Path root;

    @BeforeAll
    static void dir() throws Exception {
        root = Files.createTempDirectory("sluice-scp-gate-");
        Files.createDirectories(root.resolve("adir"));
        Files.createDirectories(root.resolve("protected"));
    }

    @AfterAll
    static void clean() throws Exception {
        new ProcessBuilder("rm", "-rf", root.toString()).start().waitFor(20, TimeUnit.SECONDS);
    }

    /** Refuses every path with a segment named "protected"; records what it judged. */
    static final class Judge implements FileJudge {
        final List<String> judged = new CopyOnWriteArrayList<>();
        final List<String> refused = new CopyOnWriteArrayList<>();

        @Override
        public Answer judge(String text, List<FileOp> ops) {
            judged.add(text);
            boolean denied = ops.stream().anyMatch(op -> op.path().contains("/protected"));
            return denied ? new Answer.Refuse("denied by test") : new Answer.Forward(judged.size());
        }

        @Override
        public void completed(long commandId, int status, String message) {
        }

        @Override
        public void refused(String text, String reason) {
            refused.add(reason);
        }
    }

    private static String upload(String stream, Judge judge) throws Exception {
        Process scp = new ProcessBuilder("scp", "-r", "-t", root.toString()).start();
        ByteArrayOutputStream toClient = new ByteArrayOutputStream();
        OutputStream client = new OutputStream() { // written by the gate's two threads, under its lock
            @Override
            public synchronized void write(int b) {
                toClient.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                toClient.write(b, off, len);
            }
        };
        ScpGate.upload(root.toString(), false, new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)),
                client, scp.getInputStream(), scp.getOutputStream(), judge).run();
        assertThat(scp.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return toClient.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anAllowedTreeArrivesAndADeniedDirectoryIsSkippedWhileItsSiblingsArrive() throws Exception {
        Judge judge = new Judge();
        String told = upload("D0755 0 t1\nC0644 3 a.txt\nabc\0D0755 0 protected\nC0644 2 b.txt\nhi\0E\n",
                judge);

        assertThat(root.resolve("t1/a.txt")).hasContent("abc");
        assertThat(root.resolve("t1/b.txt")).hasContent("hi");
        assertThat(root.resolve("t1/protected")).doesNotExist();
        assertThat(told).contains("\u0001Sluice: denied by test\n");
        assertThat(judge.judged).contains("scp mkdir " + root + "/t1 (or " + root + ")",
                "scp write " + root + "/t1/a.txt (or " + root + "/a.txt)");
    }

    @Test
    void contentsAfterAnEntryTheHostRefusedAreReadAsTheHostReadsThemAsControlLines() throws Exception {
        // adir is a directory: the host's open fails, it answers an error and reads the "contents" as lines
        String behind = "D0755 0 protected\nC0644 4 smug\n";
        Judge judge = new Judge();
        String told = upload("C0644 " + behind.length() + " adir\n" + behind + "evil\0", judge);

        assertThat(root.resolve("protected/smug")).doesNotExist();
        assertThat(judge.judged).contains("scp mkdir " + root + "/protected (or " + root + ")");
        assertThat(told).contains("\u0001Sluice: denied by test\n");
    }

    @Test
    void aNameWithDotDotStopsTheTransferBeforeTheHostSeesIt() throws Exception {
        Judge judge = new Judge();
        String told = upload("C0644 4 ../escaped\nevil\0", judge);

        assertThat(root.resolveSibling("escaped")).doesNotExist();
        assertThat(told).contains("\u0002Sluice: scp transfer stopped");
        assertThat(judge.refused).singleElement().asString().contains("\"../escaped\" is refused");
        assertThat(judge.judged).isEmpty();
    }

    @Test
    void directoriesNestedBeyondTheBoundStopTheTransfer() throws Exception {
        Judge judge = new Judge();
        String told = upload("D0755 0 deep\n" + "D0755 0 d\n".repeat(ScpGate.MAX_DEPTH) + "C0644 4 too-deep\nevil\0",
                judge);

        assertThat(told).contains("\u0002Sluice: scp transfer stopped: scp directories nested deeper than 128");
        assertThat(judge.refused).singleElement().asString().contains("(expected: <= 128)");
        try (var found = Files.walk(root.resolve("deep"))) {
            assertThat(found.map(p -> p.getFileName().toString())).doesNotContain("too-deep");
        }
    }

    @Test
    void theTimesOfARefusedEntryNeverReachTheHostAndThoseOfAnAllowedOneDo() throws Exception {
        Judge judge = new Judge();
        String told = upload("T1000000000 0 1000000000 0\nC0644 4 protected\nC0644 2 fresh.txt\nhi\0"
                + "T1000000000 0 1000000000 0\nC0644 2 timed.txt\nok\0", judge);

        // OpenSSH's sink sets a T line's times on the next file it writes: the refused entry's would land here
        assertThat(Files.getLastModifiedTime(root.resolve("fresh.txt")).toMillis())
                .isGreaterThan(1_000_000_000_000L + 86_400_000L);
        assertThat(root.resolve("fresh.txt")).hasContent("hi");
        assertThat(Files.getLastModifiedTime(root.resolve("timed.txt")).toMillis()).isEqualTo(1_000_000_000_000L);
        assertThat(told).contains("\u0001Sluice: denied by test\n");
        assertThat(judge.judged).contains("scp write " + root + "/protected (or " + root + ")");
    }
}
