package dev.sluice.core.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Prints masking throughput (MB/s of UTF-8 input) for clean and PII-dense values with all built-in detectors.
 * Not asserted: figures depend on the machine and its load. The JMH benchmark is the precise measurement.
 */
class MaskingThroughputTest {
    private static final String[] WORDS = {"the", "order", "shipped", "customer", "status", "pending", "total",
        "invoice", "warehouse", "SELECT", "update", "ok", "2024-01-15", "v2.14.1", "ORD-2024-000123", "12.50",
        "id=42", "region", "EU", "note:", "returned", "(priority)", "qty", "7", "user_name", "cart", "Berlin"};
    private static final String[] PII = {"john.doe@example.com", "4242 4242 4242 4242", "123-45-6789",
        "+1 415 555 2671", "DE89 3704 0044 0532 0130 00", "10.20.30.40", "2001:db8::1", "AKIAIOSFODNN7EXAMPLE",
        "(415) 555-2671"};

    @Test
    void printsThroughputForCleanAndPiiDenseText() {
        TextMasker masker = new TextMasker(Detectors.builtInNames().stream()
                .map(n -> Detectors.builtIn(n).orElseThrow()).toList(), Strategy.redact());
        Random random = new Random(42);
        List<String> shortClean = values(random, 2_000, 8, 0);
        List<String> longClean = values(random, 20, 10_000, 0);
        List<String> shortDense = values(random, 2_000, 8, 3);
        List<String> longDense = values(random, 20, 10_000, 10);

        System.out.println("masking throughput, all 12 built-in detectors, redact:");
        double cleanShort = measure("clean, ~50-char values", masker, shortClean, true);
        measure("clean, ~64 KiB values", masker, longClean, true);
        measure("PII-dense, ~50-char values (1 in 3 words)", masker, shortDense, false);
        measure("PII-dense, ~64 KiB values (1 in 10 words)", masker, longDense, false);
        assertThat(cleanShort).isPositive();
    }

    private static double measure(String label, TextMasker masker, List<String> values, boolean clean) {
        long bytes = values.stream().mapToLong(v -> v.getBytes(StandardCharsets.UTF_8).length).sum();
        MaskCounter counter = new MaskCounter();
        long sink = 0;
        for (int warm = 0; warm < 30; warm++) {
            for (String v : values) {
                sink += masker.mask(v, counter).length();
            }
        }
        int rounds = 0;
        long started = System.nanoTime();
        long elapsed;
        do {
            for (String v : values) {
                String masked = masker.mask(v, counter);
                if (clean && masked != v) {
                    throw new AssertionError("clean value was masked: " + v);
                }
                sink += masked.length();
            }
            rounds++;
            elapsed = System.nanoTime() - started;
        } while (elapsed < 1_000_000_000L);
        double result = bytes * rounds / (elapsed / 1e9) / 1e6;
        System.out.printf("  %-45s %8.1f MB/s  (%d values, %d replacements, sink %d)%n", label, result,
                values.size() * rounds, counter.total(), sink % 10);
        return result;
    }

    private static List<String> values(Random random, int count, int words, int piiEvery) {
        List<String> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder b = new StringBuilder();
            int n = words == 8 ? 4 + random.nextInt(8) : words;
            for (int w = 0; w < n; w++) {
                if (w > 0) {
                    b.append(' ');
                }
                boolean pii = piiEvery > 0 && random.nextInt(piiEvery) == 0;
                b.append(pii ? PII[random.nextInt(PII.length)] : WORDS[random.nextInt(WORDS.length)]);
            }
            result.add(b.toString());
        }
        return result;
    }
}
