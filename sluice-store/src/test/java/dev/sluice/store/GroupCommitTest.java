package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditWriteException;

class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void concurrentAppendsGetGapFreeUniqueSeqsInFewerCommits() throws Exception {
        int threads = 32;
        int perThread = 100;
        AtomicInteger commits = new AtomicInteger();
        Set<Long> seqs = ConcurrentHashMap.newKeySet();
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK,
                head -> commits.incrementAndGet());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        assertThat(seqs.add(log.append(Events.statement(thread * 1000L + i)))).isTrue();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            int total = threads * perThread;

            assertThat(seqs).hasSize(total).containsAll(LongStream.rangeClosed(1, total).boxed().toList());
            List<AuditRecord> stored = log.query(AuditQuery.all().withLimit(total + 1));
            assertThat(stored).extracting(AuditRecord::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
            assertThat(stored).extracting(AuditRecord::statement).doesNotHaveDuplicates();
            assertThat(log.verify()).extracting(ChainVerification::ok, ChainVerification::checked)
                    .containsExactly(true, (long) total);
            assertThat(log.head().seq()).isEqualTo(total);
            assertThat(commits.get()).as("commits for %d appends", total).isLessThan(total);
        }
    }

    @Test
    void appendAfterCloseFails() {
        SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK);
        log.append(Events.statement(1));
        log.close();
        log.close();

        assertThatThrownBy(() -> log.append(Events.statement(2)))
                .isInstanceOf(AuditWriteException.class).hasMessageContaining("is closed");
        assertThatThrownBy(() -> log.query(AuditQuery.all())).isInstanceOf(AuditStoreException.class);
    }

    @Test
    void closeCommitsWhatWasAlreadyQueued() {
        List<CompletableFuture<Long>> queued = new ArrayList<>();
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK)) {
            for (int i = 0; i < 1000; i++) {
                queued.add(log.appendAsync(Events.statement(i)));
            }
        }
        assertThat(queued).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        try (SqliteAuditLog reopened = SqliteAuditLog.open(dir.resolve("audit.db"), Events.CLOCK)) {
            assertThat(reopened.head().seq()).isEqualTo(1000);
        }
    }

    @Test
    @Tag("benchmark") // not in the default suite: bench/audit-store.sh runs it
    void reportsThroughput() throws Exception {
        int events = 50_000;
        int threads = 8;
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("blocking.db"), Events.CLOCK)) {
            double blocking = rate(events, threads, (thread, i) -> log.append(Events.statement(i)));
            System.out.printf("audit appends: %d events, %d platform threads, blocking append: %.0f/s%n",
                    events, threads, blocking);
            assertThat(log.head().seq()).isEqualTo(events);
        }
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("virtual.db"), Events.CLOCK)) {
            long start = System.nanoTime();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int s = 0; s < 500; s++) {
                    pool.submit(() -> {
                        for (int i = 0; i < events / 500; i++) {
                            log.append(Events.statement(i));
                        }
                    });
                }
            }
            double perSecond = events / ((System.nanoTime() - start) / 1e9);
            System.out.printf("audit appends: %d events, 500 virtual threads, blocking append: %.0f/s%n",
                    events, perSecond);
            assertThat(log.head().seq()).isEqualTo(events);
        }
        try (SqliteAuditLog log = SqliteAuditLog.open(dir.resolve("async.db"), Events.CLOCK)) {
            Queue<CompletableFuture<Long>> all = new ConcurrentLinkedQueue<>();
            double pipelined = rate(events, threads, (thread, i) -> all.add(log.appendAsync(Events.statement(i))));
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            System.out.printf("audit appends: %d events, %d platform threads, appendAsync: %.0f/s%n",
                    events, threads, pipelined);
            assertThat(log.verify().ok()).isTrue();
        }
    }

    private interface Step {
        void run(int thread, int i);
    }

    /** Events per second for {@code events} steps split over {@code threads} platform threads (until all joined). */
    private static double rate(int events, int threads, Step step) throws Exception {
        long start = System.nanoTime();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            running.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < events / threads; i++) {
                    step.run(thread, thread * events + i);
                }
            }));
        }
        for (Thread t : running) {
            t.join();
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }
}
