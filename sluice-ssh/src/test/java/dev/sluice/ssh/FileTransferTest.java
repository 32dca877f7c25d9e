package dev.sluice.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class FileTransferTest {

    @Test
    void legacyScpUploadsAndDownloadsAreRecognised() {
        assertThat(FileTransfer.of(List.of("scp", "-t", "/srv/app/x"))).contains(
                new FileTransfer("scp", "WRITE", List.of("/srv/app/x"), false, false));
        assertThat(FileTransfer.of(List.of("scp", "-r", "-d", "-t", "--", "dir/sub"))).contains(
                new FileTransfer("scp", "WRITE", List.of("~/dir/sub"), true, true));
        assertThat(FileTransfer.of(List.of("scp", "-f", "/etc/../etc/hosts"))).contains(
                new FileTransfer("scp", "READ", List.of("/etc/hosts"), false, false));
    }

    @Test
    void rsyncServerModeIsRecognisedWithItsDirection() {
        assertThat(FileTransfer.of(List.of("rsync", "--server", "-vlogDtpre.iLsfxCIvu", ".", "/data/in")))
                .contains(new FileTransfer("rsync", "WRITE", List.of("/data/in"), true, false));
        assertThat(FileTransfer.of(List.of("rsync", "--server", "--sender", "-vlogDtpre.iLsfxCIvu", ".", "out")))
                .contains(new FileTransfer("rsync", "READ", List.of("~/out"), true, false));
    }

    @Test
    void rsyncIsRecursiveOnlyWithRecursionOrDirsAmongItsFlags() {
        assertThat(FileTransfer.of(List.of("rsync", "--server", "-e.LsfxCIvu", ".", "file")))
                .contains(new FileTransfer("rsync", "WRITE", List.of("~/file"), false, false));
        assertThat(FileTransfer.of(List.of("rsync", "--server", "-de.LsfxCIvu", ".", "dir")))
                .contains(new FileTransfer("rsync", "WRITE", List.of("~/dir"), true, false));
        assertThat(FileTransfer.of(List.of("rsync", "--server", "--sender", "-vre.LsfxCIvu", ".", "dir")))
                .contains(new FileTransfer("rsync", "READ", List.of("~/dir"), true, false));
    }

    @Test
    void aRecursiveRsyncIsAnOpaqueExecButARecursiveLegacyScpIsJudgedFileByFile() {
        assertThat(SshCommands.exec("scp -r -t dir").getFirst().opaque()).isFalse();
        assertThat(SshCommands.exec("rsync --server -vlogDtpre.iLsfxCIvu . dir").getFirst().opaque()).isTrue();
        assertThat(SshCommands.exec("scp -t file").getFirst().opaque()).isFalse();
        assertThat(SshCommands.exec("rsync --server -e.LsfxCIvu . file").getFirst().opaque()).isFalse();
    }

    @Test
    void anythingBeyondTheExactServerFormsIsNotATransfer() {
        assertThat(FileTransfer.of(List.of("scp", "-S", "/tmp/evil", "-t", "x"))).isEmpty();
        assertThat(FileTransfer.of(List.of("scp", "-t", "-f", "x"))).isEmpty();
        assertThat(FileTransfer.of(List.of("scp", "a", "b"))).isEmpty();
        assertThat(FileTransfer.of(List.of("rsync", "-e", "sh -c evil", "a", "h:b"))).isEmpty();
        assertThat(FileTransfer.of(List.of("rsync", "--server", "--log-file=/etc/cron.d/x", ".", "y"))).isEmpty();
        assertThat(FileTransfer.of(List.of("rsync", "--server", "-v", "x"))).isEmpty();
    }

    @Test
    void aRelativePathThatClimbsOutOfHomeIsNotReadAsATransfer() {
        assertThat(FileTransfer.of(List.of("scp", "-t", "../../etc/cron.d"))).isEmpty();
        assertThat(FileTransfer.of(List.of("scp", "-t", "a/../../x"))).isEmpty();
        assertThat(FileTransfer.of(List.of("scp", "-t", "a/../b"))).contains(
                new FileTransfer("scp", "WRITE", List.of("~/b"), false, false));
    }

    @Test
    void serverModeTransfersAreNotOpaqueButOtherScpAndRsyncLinesAre() {
        assertThat(ExecLine.read("scp -t /srv/x").opaque()).isFalse();
        assertThat(ExecLine.read("rsync --server -vlogDtpre.iLsfxCIvu . /srv/x").opaque()).isFalse();
        assertThat(ExecLine.read("scp -S /tmp/x a b").opaque()).isTrue();
        assertThat(ExecLine.read("rsync -e 'sh -c x' a b:c").opaque()).isTrue();
    }
}
