package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.sluice.core.policy.SqlCommand;

class SqlClassifierConcurrencyTest {

    private static final int THREADS = 200;
    private static final int ROUNDS = 20;

    @Test
    void givesManyVirtualThreadsTheSameAnswersAsOneThread() throws Exception {
        SqlClassifier classifier = SqlClassifier.create();
        List<String> corpus = SqlClassifierCorpusTest.rows().stream().map(SqlClassifierCorpusTest.Row::sql).toList();
        List<List<SqlCommand>> expected = corpus.stream().map(sql -> classifier.classify(sql).commands()).toList();

        List<Future<Integer>> results = new ArrayList<>();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < THREADS; t++) {
                int offset = t;
                results.add(threads.submit(() -> {
                    int mismatches = 0;
                    for (int i = 0; i < ROUNDS; i++) {
                        int index = (offset * 7 + i) % corpus.size();
                        if (!classifier.classify(corpus.get(index)).commands().equals(expected.get(index))) {
                            mismatches++;
                        }
                    }
                    return mismatches;
                }));
            }
        }
        long elapsed = System.nanoTime() - start;

        for (Future<Integer> result : results) {
            assertThat(result.get(1, TimeUnit.MINUTES)).isZero();
        }
        System.out.printf("concurrent: %d virtual threads x %d statements: %.1f us per statement (wall)%n",
                THREADS, ROUNDS, elapsed / 1000.0 / (THREADS * ROUNDS));
    }

    @Test
    void measuresTimePerStatement() throws Exception {
        SqlClassifier classifier = SqlClassifier.create();
        List<String> corpus = SqlClassifierCorpusTest.rows().stream().map(SqlClassifierCorpusTest.Row::sql).toList();
        for (int i = 0; i < 20; i++) {
            corpus.forEach(classifier::classify);
        }
        int rounds = 20;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            corpus.forEach(classifier::classify);
        }
        double micros = (System.nanoTime() - start) / 1000.0 / (rounds * corpus.size());
        long nativeStart = System.nanoTime();
        PgQueryNative parser = PgQueryNative.load();
        for (int i = 0; i < rounds; i++) {
            corpus.forEach(parser::parse);
        }
        double nativeMicros = (System.nanoTime() - nativeStart) / 1000.0 / (rounds * corpus.size());
        System.out.printf("sequential: %d corpus statements: %.1f us per statement classified"
                + " (pg_query_parse alone, on the caller's thread: %.1f us)%n", corpus.size(), micros, nativeMicros);

        assertThat(micros).isLessThan(5_000);
    }
}
