package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class ClassificationCacheTest {
    private static final Classification EMPTY = new Classification(List.of(), List.of());

    @Test
    void repeatedTextIsClassifiedOnceAndSharesTheResult() {
        SqlClassifier classifier = SqlClassifier.create();
        Classification first = classifier.classify("SELECT * FROM items WHERE id = 1");
        Classification second = classifier.classify("SELECT * FROM items WHERE id = 1");
        assertThat(second).isSameAs(first);
        assertThat(second.commands().getFirst().kind()).isEqualTo("SELECT");
    }

    @Test
    void cachedResultIsTheSameAsAFreshClassification() {
        SqlClassifier cached = SqlClassifier.create();
        SqlClassifier uncached = SqlClassifier.create(0);
        for (String sql : List.of("DELETE FROM items", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "PREPARE p AS DELETE FROM items WHERE id = 1", "SELECT 1; DROP TABLE items")) {
            cached.classify(sql);
            assertThat(cached.classify(sql)).isEqualTo(uncached.classify(sql));
        }
    }

    @Test
    void withoutACacheEveryCallClassifiesAgain() {
        SqlClassifier uncached = SqlClassifier.create(0);
        Classification first = uncached.classify("SELECT 1");
        assertThat(uncached.classify("SELECT 1")).isNotSameAs(first).isEqualTo(first);
    }

    @Test
    void unparsableTextIsNotCachedAndStaysUnknown() {
        SqlClassifier classifier = SqlClassifier.create();
        Classification first = classifier.classify("DR/**/OP TABLE items");
        assertThat(first.hasUnknown()).isTrue();
        assertThat(classifier.classify("DR/**/OP TABLE items")).isNotSameAs(first).isEqualTo(first);
    }

    @Test
    void textLongerThanTheCapIsNeverKept() {
        ClassificationCache cache = new ClassificationCache(16);
        String longText = "SELECT " + "1 + ".repeat(ClassificationCache.MAX_TEXT_CHARS) + "1";
        cache.put(longText, EMPTY);
        assertThat(cache.get(longText)).isEmpty();
        assertThat(cache.size()).isZero();
    }

    @Test
    void entryCountStaysWithinItsBound() {
        ClassificationCache cache = new ClassificationCache(64);
        for (int i = 0; i < 10_000; i++) {
            cache.put("SELECT " + i, EMPTY);
        }
        assertThat(cache.size()).isBetween(1, 64);
        assertThat(cache.get("SELECT 9999")).contains(EMPTY);
    }

    @Test
    void totalTextStaysWithinItsBound() {
        ClassificationCache cache = new ClassificationCache(1_000_000);
        String padding = "x".repeat(ClassificationCache.MAX_TEXT_CHARS - 20);
        for (int i = 0; i < 2_000; i++) {
            cache.put("SELECT '" + padding + "' -- " + i, EMPTY);
        }
        assertThat(cache.totalChars()).isLessThanOrEqualTo(ClassificationCache.MAX_TOTAL_CHARS);
    }

    @Test
    void concurrentUseKeepsTheBoundsAndTheAccounting() throws Exception {
        ClassificationCache cache = new ClassificationCache(100);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 5_000; i++) {
                        cache.put("SELECT " + thread + "_" + i, EMPTY);
                        cache.get("SELECT " + thread + "_" + (i / 2));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(cache.size()).isLessThanOrEqualTo(100 + 4);
        assertThat(cache.totalChars()).isPositive();
    }

    @Test
    void negativeSizeIsRefused() {
        assertThatThrownBy(() -> new ClassificationCache(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: >= 0");
    }
}
