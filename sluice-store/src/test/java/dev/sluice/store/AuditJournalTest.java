package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/** The embedded store's write-ahead journal: durable on return, indexed after, replayed after a crash. */
class AuditJournalTest {
    private static final int WAIT_FOR = 2000;

    @TempDir
    Path dir;

    @Test
    void writtenAheadEventsReachTheTrailInOrderAndTheJournalIsEmptiedOnClose() {
        Path file = dir.resolve("audit.db");
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            for (int i = 1; i <= 500; i++) {
                log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), i, "SELECT " + i));
            }
        }
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            List<AuditRecord> stored = log.query(AuditQuery.all().withLimit(1000));
            assertThat(stored).extracting(AuditRecord::statement)
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 500)
                            .mapToObj(i -> "SELECT " + i).toList());
            assertThat(log.verify().ok()).isTrue();
        }
        assertThat(AuditJournal.fileFor(file)).isEmptyFile();
    }

    @Test
    void journaledEventsMissingFromTheTrailAreReplayedOnOpenAfterTheCommittedOnes() throws Exception {
        Path file = dir.resolve("audit.db");
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), 1, "SELECT 1"));
        }
        // A crash between journal write and commit leaves records past the mark: forge them as Sluice would.
        List<AuditJournal.Entry> none = new ArrayList<>();
        AuditJournal journal = AuditJournal.open(file, none);
        journal.recover(none, 1, entry -> java.util.concurrent.CompletableFuture.completedFuture(0L));
        for (int i = 2; i <= 4; i++) {
            journal.write(EventMapper.map(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), i,
                    "SELECT " + i)), (fields, id) -> java.util.concurrent.CompletableFuture.completedFuture(id));
        }
        journal.close();

        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            assertThat(log.query(AuditQuery.all())).extracting(AuditRecord::statement)
                    .containsExactly("SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4");
            assertThat(log.verify().ok()).isTrue();
        }
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            assertThat(log.query(AuditQuery.all())).as("replayed once, not again").hasSize(4);
        }
    }

    @Test
    void aFullCommitQueueSlowsWritersDownWithoutDeadlockingTheCommitThread() {
        Path file = dir.resolve("audit.db");
        int events = GroupCommitWriter.QUEUE_CAPACITY * 3;
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(90), () -> {
            try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
                for (int i = 1; i <= events; i++) {
                    log.writeAhead(Events.statement(i));
                }
                log.flush();
                assertThat(log.head().seq()).isEqualTo(events);
            }
        });
    }

    @Test
    void afterAFailedCommitTheJournalRefusesWritesThenResumesByItselfAndLosesNothing() throws Exception {
        Path file = dir.resolve("audit.db");
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), 1, "SELECT 1"));
            log.flush();
            java.util.concurrent.CountDownLatch writerBusy = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
            // the store fails under the writer (as a full disk does): the next batch cannot commit
            java.util.concurrent.CompletableFuture<Long> breaking = log.onWriterConnection(connection -> {
                connection.close();
                writerBusy.countDown();
                try {
                    queued.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            writerBusy.await();
            for (int i = 2; i <= 4; i++) {
                log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), i, "SELECT " + i));
            }
            queued.countDown();
            breaking.join();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (log.writeBlocked().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            if (log.writeBlocked().isPresent()) {
                assertThat(log.writeBlocked().get()).contains("resumes by itself");
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.writeAhead(Events.statement(Events.T0,
                        Events.ctx("s-1", "bob", "prod"), 5, "SELECT 5"))).isInstanceOf(
                        dev.sluice.core.audit.AuditWriteException.class).hasMessageContaining("resumes by itself");
            }
            // the connection reopens for the next batch: the replay commits and writes go on, nobody restarting
            long resumed = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (log.writeBlocked().isPresent() && System.nanoTime() < resumed) {
                Thread.sleep(20);
            }
            assertThat(log.writeBlocked()).isEmpty();
            log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), 6, "SELECT 6"));
            log.flush();
            assertThat(log.query(AuditQuery.all())).extracting(AuditRecord::statement)
                    .containsExactlyInAnyOrder("SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 6");
            assertThat(log.verify().ok()).isTrue();
        }
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            assertThat(log.query(AuditQuery.all())).as("nothing replayed twice at the next start").hasSize(5);
            assertThat(log.verify().ok()).isTrue();
        }
    }

    @Test
    void afterTheFactEventsOfAFailedCommitAreWrittenAgainOnceTheStoreCanBeWritten() throws Exception {
        Path file = dir.resolve("audit.db");
        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            log.append(Events.statement(1));
            java.util.concurrent.CountDownLatch writerBusy = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CompletableFuture<Long> breaking = log.onWriterConnection(connection -> {
                connection.close();
                writerBusy.countDown();
                try {
                    queued.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            writerBusy.await();
            for (int i = 2; i <= 6; i++) {
                log.appendLater(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), i, "LATER " + i));
            }
            queued.countDown();
            breaking.join();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (log.query(AuditQuery.all()).size() < 6 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(log.query(AuditQuery.all())).extracting(AuditRecord::statement)
                    .contains("LATER 2", "LATER 3", "LATER 4", "LATER 5", "LATER 6").hasSize(6);
            assertThat(log.verify().ok()).isTrue();
        }
    }

    @Test
    void aRestartWhileEventsArePendingReplaysThem() throws Exception {
        Path file = dir.resolve("audit.db");
        SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK);
        try {
            log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), 1, "SELECT 1"));
            log.flush();
            // every commit fails from now on (the disk stays full): events 2..3 stay pending
            log.onWriterConnection(connection -> {
                try (java.sql.Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA query_only = 1");
                }
            }).join();
            log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), 2, "SELECT 2"));
            log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), 3, "SELECT 3"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (log.writeBlocked().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(log.writeBlocked()).isPresent();
        } finally {
            log.close();
        }
        try (SqliteAuditLog reopened = SqliteAuditLog.open(file, Events.CLOCK)) {
            assertThat(reopened.query(AuditQuery.all())).extracting(AuditRecord::statement)
                    .contains("SELECT 1", "SELECT 2", "SELECT 3");
            assertThat(reopened.verify().ok()).isTrue();
        }
    }

    @Test
    void aTornLastRecordIsIgnored() throws Exception {
        Path file = dir.resolve("audit.db");
        List<AuditJournal.Entry> none = new ArrayList<>();
        AuditJournal journal = AuditJournal.open(file, none);
        journal.write(EventMapper.map(Events.statement(1)), (fields, id) ->
                java.util.concurrent.CompletableFuture.completedFuture(id));
        journal.write(EventMapper.map(Events.statement(2)), (fields, id) ->
                java.util.concurrent.CompletableFuture.completedFuture(id));
        journal.close();
        Path journalFile = AuditJournal.fileFor(file);
        byte[] bytes = Files.readAllBytes(journalFile);
        Files.write(journalFile, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        assertThat(AuditJournal.read(journalFile)).extracting(AuditJournal.Entry::id).containsExactly(1L);
    }

    @Test
    void eventsWrittenAheadSurviveKillMinusNineOfTheWritingProcess() throws Exception {
        Path file = dir.resolve("audit.db");
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                WritingChild.class.getName(), file.toString())
                .redirectError(dir.resolve("child.err").toFile())
                .start();
        long acknowledged = 0;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                acknowledged = Long.parseLong(line.trim());
                if (acknowledged >= WAIT_FOR) {
                    child.destroyForcibly();
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).as("child output, see child.err").isEqualTo(WAIT_FOR);

        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            List<String> statements = log.query(AuditQuery.all().withLimit(AuditTable.MAX_LIMIT)).stream()
                    .map(AuditRecord::statement).toList();
            for (int i = 1; i <= WAIT_FOR; i++) {
                assertThat(statements).contains("SELECT " + i);
            }
            assertThat(statements).doesNotHaveDuplicates();
            assertThat(log.verify().ok()).isTrue();
        }
    }

    /** Writes ahead until killed, printing each number once writeAhead returned. */
    public static final class WritingChild {
        public static void main(String[] args) {
            SqliteAuditLog log = SqliteAuditLog.open(Path.of(args[0]), Events.CLOCK);
            for (long i = 1; ; i++) {
                log.writeAhead(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), i, "SELECT " + i));
                System.out.println(i);
                System.out.flush();
            }
        }
    }
}
