package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data dir is Sluice's alone: created private, and tightened at start when an older version left it open. */
class PrivateFilesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aNewTrailIsPrivateWithItsWalShmAndJournal() throws Exception {
        Path data = dir.resolve("nested/data");
        try (SqliteAuditLog log = SqliteAuditLog.open(data.resolve("audit.db"), Events.CLOCK)) {
            for (int i = 1; i <= 20; i++) {
                log.writeAhead(Events.statement(i));
            }
            log.flush();
            try (Stream<Path> files = Files.walk(data)) {
                List<Path> all = files.filter(p -> !p.equals(data)).toList();
                assertThat(all).extracting(p -> p.getFileName().toString()).contains("audit.db", "audit.db-wal",
                        "audit.db-shm", "audit.db.ahead");
                for (Path p : all) {
                    assertThat(mode(p)).as(p.toString()).isEqualTo("rw-------");
                }
            }
            assertThat(mode(data)).isEqualTo("rwx------");
        }
    }

    @Test
    void startTightensWhatAnOlderVersionLeftReadableAndLeavesLinksAlone() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("keys"));
        Path outside = Files.writeString(dir.resolve("outside.txt"), "not ours");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-r--r--"));
        for (String name : List.of("audit.db", "audit.db-wal", "audit.db-shm", "audit.db.ahead",
                "keys/audit-signing.key")) {
            Path file = Files.writeString(data.resolve(name), "x");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Files.createSymbolicLink(data.resolve("link"), outside);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data.resolve("keys"), PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThat(PrivateFiles.secure(data)).isEqualTo(7);

        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(data.resolve("keys"))).isEqualTo("rwx------");
        for (String name : List.of("audit.db", "audit.db-wal", "audit.db-shm", "audit.db.ahead",
                "keys/audit-signing.key")) {
            assertThat(mode(data.resolve(name))).as(name).isEqualTo("rw-------");
        }
        assertThat(mode(outside)).as("a link's target outside the data dir").isEqualTo("rw-r--r--");
        assertThat(PrivateFiles.secure(data)).as("nothing left to tighten").isZero();
    }
}
