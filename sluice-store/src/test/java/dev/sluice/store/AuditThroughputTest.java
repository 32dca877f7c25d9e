package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.testing.PostgresServer;

/**
 * Measures append throughput (events/s, hash chain and signed checkpoints on) and the latency an append pays for
 * group commit, for the embedded store in both sync modes and for PostgreSQL. Prints its figures (recorded in
 * docs/benchmarks.md, "Audit store"); asserts only that every event landed in a verifiable chain.
 */
@Tag("benchmark") // not in the default suite: bench/audit-store.sh runs it
class AuditThroughputTest {
    private static final int EVENTS = 20_000;

    @TempDir
    Path dir;

    @Test
    void reportsEmbeddedStoreThroughputAndLatency() {
        for (SyncMode sync : SyncMode.values()) {
            StoreOptions options = PostgresAuditLogTest.signing().withSync(sync);
            measure("sqlite sync=" + sync.name().toLowerCase(java.util.Locale.ROOT),
                    n -> SqliteAuditLog.open(dir.resolve(sync + "-" + n + ".db"), Clock.systemUTC(), options));
        }
    }

    @Test
    void reportsPostgresStoreThroughputAndLatency() {
        try (PostgresServer server = PostgresServer.start(PostgresServer.Options.defaults()
                .withSetting("fsync", "on").withSetting("synchronous_commit", "on"))) {
            server.createUser("sluice", "pw", false);
            int[] count = {0};
            measure("postgres (local, fsync on)", n -> {
                String name = "bench" + (++count[0]);
                server.createDatabase(name);
                server.execute("postgres", "ALTER DATABASE " + name + " OWNER TO sluice");
                server.execute(name, "ALTER SCHEMA public OWNER TO sluice");
                return PostgresAuditLog.open(new PostgresStoreConfig(server.jdbcUrl(name), "sluice",
                        dev.sluice.core.Secret.of("pw")), Clock.systemUTC(), PostgresAuditLogTest.signing());
            });
        }
    }

    private interface Opener {
        AuditStore open(String run);
    }

    private static void measure(String label, Opener opener) {
        try (AuditStore store = opener.open("latency")) {
            long[] single = new long[500];
            for (int i = 0; i < single.length; i++) {
                long start = System.nanoTime();
                store.append(Events.statement(i));
                single[i] = System.nanoTime() - start;
            }
            System.out.printf("audit %s: 1 thread, blocking append latency p50 %.3f ms p99 %.3f ms (%.0f/s)%n",
                    label, percentile(single, 50), percentile(single, 99),
                    single.length / (Arrays.stream(single).sum() / 1e9));
        }
        try (AuditStore store = opener.open("virtual")) {
            Queue<Long> latencies = new ConcurrentLinkedQueue<>();
            long start = System.nanoTime();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int s = 0; s < 200; s++) {
                    pool.submit(() -> {
                        for (int i = 0; i < EVENTS / 200; i++) {
                            long t = System.nanoTime();
                            store.append(Events.statement(i));
                            latencies.add(System.nanoTime() - t);
                        }
                    });
                }
            }
            double rate = EVENTS / ((System.nanoTime() - start) / 1e9);
            long[] all = latencies.stream().mapToLong(Long::longValue).toArray();
            System.out.printf("audit %s: 200 virtual threads, blocking append %.0f/s, latency p50 %.3f ms p99 %.3f ms%n",
                    label, rate, percentile(all, 50), percentile(all, 99));
            assertThat(store.head().seq()).isEqualTo(EVENTS);
        }
        try (AuditStore store = opener.open("async")) {
            Queue<CompletableFuture<Long>> all = new ConcurrentLinkedQueue<>();
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < EVENTS / 4; i++) {
                        all.add(store.appendAsync(Events.statement(i)));
                    }
                }));
            }
            threads.forEach(AuditThroughputTest::join);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            double rate = EVENTS / ((System.nanoTime() - start) / 1e9);
            System.out.printf("audit %s: 4 platform threads, appendAsync pipelined %.0f/s%n", label, rate);
            // The chain only: the tail after the last 1000-event checkpoint is signed at close, not yet here.
            ChainVerification verified = store.verify(VerifyOptions.chainOnly(java.time.Instant.now()));
            assertThat(verified.ok()).as(verified.message()).isTrue();
            assertThat(verified.checked()).isEqualTo(EVENTS);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double percentile(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
    }
}
