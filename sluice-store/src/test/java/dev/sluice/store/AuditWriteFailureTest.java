package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditWriteException;

/** A store that cannot be written must make appends fail (fail closed), never lose them silently. */
class AuditWriteFailureTest {
    @TempDir
    Path dir;

    @Test
    void failsEveryAppendOfABatchWhoseConnectionWasClosedAndKeepsTheHead() throws Exception {
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK)) {
            log.append(Events.statement(1));
            ChainHead before = log.head();
            CountDownLatch writerBusy = new CountDownLatch(1);
            CountDownLatch queued = new CountDownLatch(1);
            CompletableFuture<Long> broken = log.onWriterConnection(connection -> {
                connection.close();
                writerBusy.countDown();
                awaitQuietly(queued);
            });
            writerBusy.await(); // the writer holds no other job now: the 20 appends below form its next batch
            List<CompletableFuture<Long>> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                batch.add(log.appendAsync(Events.statement(100 + i)));
            }
            queued.countDown();
            broken.join();

            for (CompletableFuture<Long> append : batch) {
                assertThatThrownBy(append::join).isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(AuditWriteException.class).hasMessageContaining("could not commit");
            }
            assertThat(log.head()).isEqualTo(before);
            assertThat(log.append(Events.statement(2))).as("the next batch reopens the connection").isEqualTo(2);
            assertThat(log.verify().ok()).isTrue();
        }
    }

    @Test
    void blockingAppendThrowsWhenTheDiskIsFull() {
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK)) {
            log.append(Events.statement(1));
            log.onWriterConnection(connection -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA max_page_count = 1");
                }
            }).join();
            String big = "x".repeat(64 * 1024);
            AuditEvent event = Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), 2, big);

            assertThatThrownBy(() -> log.append(event)).isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("could not commit 1 event");
            assertThat(log.head().seq()).isEqualTo(1);
            assertThat(log.verify().checked()).isEqualTo(1);
        }
    }

    @Test
    void appendThrowsWhenTheDatabaseFileWasMadeReadOnly() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root ignores file permissions");
        Path file = dir.resolve("audit.db");
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            log.append(Events.statement(1));
            log.onWriterConnection(connection -> connection.close()).join();
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));

            assertThatThrownBy(() -> log.append(Events.statement(2))).isInstanceOf(AuditWriteException.class);
        }
    }

    @Test
    void appendThrowsWhenTheStoreRefusesWrites() {
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK)) {
            log.append(Events.statement(1));
            log.onWriterConnection(connection -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA query_only = ON");
                }
            }).join();

            assertThatThrownBy(() -> log.append(Events.statement(2))).isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("could not commit");
            assertThat(log.head().seq()).isEqualTo(1);
        }
    }

    @Test
    void openFailsWhenTheDataDirectoryCannotBeCreated() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");

        assertThatThrownBy(() -> SqliteAuditLog.open(notADirectory.resolve("audit.db"), Events.CLOCK))
                .isInstanceOf(AuditWriteException.class).hasMessageContaining("cannot open the audit store");
    }

    @Test
    void rejectsAnEventThatCannotBeEncoded() {
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK)) {
            AuditEvent noTime = new AuditEvent.ConfigReloaded(null, "file", true, List.of());

            assertThatThrownBy(() -> log.append(noTime)).isInstanceOf(AuditWriteException.class)
                    .hasMessageContaining("ConfigReloaded cannot be encoded");
            assertThat(log.head().seq()).isZero();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
