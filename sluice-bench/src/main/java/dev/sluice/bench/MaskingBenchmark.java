package dev.sluice.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.sluice.core.masking.ColumnPattern;
import dev.sluice.core.masking.Detector;
import dev.sluice.core.masking.Detectors;
import dev.sluice.core.masking.MaskCounter;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRule;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.core.masking.Strategy;
import dev.sluice.core.masking.TextMasker;
import dev.sluice.postgres.DataRowMasking;
import dev.sluice.postgres.wire.Frame;

/**
 * Masking throughput in MB/s: one operation masks exactly {@link MaskingCorpus#BYTES} (1 MB) of row values, so the
 * score in ops/s reads directly as MB/s of values. Each value is decoded from UTF-8 and masked and, when something
 * was replaced, encoded again, as the relay does. Reproduce with the command in docs/benchmarks.md, section Masking.
 *
 * <ul>
 *   <li>{@code detector}: one built-in detector (strategy redact) over free-text values, 10 % of them sensitive;</li>
 *   <li>{@code allDetectors}: all built-in detectors in one rule over the same values;</li>
 *   <li>{@code customerPii}: DataRows of {@code customers(id, name, email, card, phone, note)} through the relay's
 *       {@code RowMasker} (by way of {@link DataRowMasking}) under the {@code customer-pii} rule of docs/masking.md
 *       (card partial, email hash, detectors card and email with redact over the other text columns);</li>
 *   <li>{@code customerPiiOtherTable}: the same rule over free-text rows of a table it has no column rule for
 *       (detectors only; 10 % of values sensitive).</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MaskingBenchmark {
    private static final byte[] HASH_KEY = "benchmark-hash-key-32-bytes-long".getBytes(StandardCharsets.UTF_8);

    /** Free-text values, 10 % with something sensitive. */
    @State(Scope.Thread)
    public static class Values {
        List<byte[]> values;
        MaskCounter counter;

        @Setup
        public void setUp() {
            values = MaskingCorpus.values(42, 0.10);
            counter = new MaskCounter();
        }

        @TearDown(Level.Iteration)
        public void reset() {
            counter.reset();
        }
    }

    /** One built-in detector; the names must be exactly {@link Detectors#builtInNames()}. */
    @State(Scope.Benchmark)
    public static class OneDetector {
        @Param({"card", "email", "ssn", "phone", "iban", "ipv4", "ipv6", "jwt", "private-key", "aws-key",
                "github-token", "slack-token"})
        public String name;

        TextMasker masker;

        @Setup
        public void setUp() throws NoSuchFieldException {
            if (!Set.of(OneDetector.class.getField("name").getAnnotation(Param.class).value())
                    .equals(Detectors.builtInNames())) {
                throw new IllegalStateException("the detector list is out of date: " + Detectors.builtInNames());
            }
            masker = new TextMasker(List.of(Detectors.builtIn(name).orElseThrow()), Strategy.redact());
        }
    }

    /** Every built-in detector in one masker. */
    @State(Scope.Benchmark)
    public static class AllDetectors {
        TextMasker masker;

        @Setup
        public void setUp() {
            List<Detector> all = new ArrayList<>();
            Detectors.builtInNames().forEach(n -> all.add(Detectors.builtIn(n).orElseThrow()));
            masker = new TextMasker(all, Strategy.redact());
        }
    }

    /** The customer-pii rule of docs/masking.md over customers rows and over another table's rows. */
    @State(Scope.Thread)
    public static class CustomerPii {
        List<Frame> customers;
        List<Frame> notes;
        DataRowMasking customerMasker;
        DataRowMasking noteMasker;

        @Setup
        public void setUp() throws Exception {
            MaskingRule rule = new MaskingRule("customer-pii", List.of("orders"), Set.of("dpo"), List.of(
                    new MaskingRule.ColumnRule(ColumnPattern.parse("customers.card"), Strategy.parse("partial", HASH_KEY)),
                    new MaskingRule.ColumnRule(ColumnPattern.parse("customers.email"), Strategy.parse("hash", HASH_KEY))),
                    new TextMasker(List.of(Detectors.builtIn("card").orElseThrow(),
                            Detectors.builtIn("email").orElseThrow()), Strategy.redact()));
            MaskingPlan plan = new MaskingRules(List.of(rule)).plan("orders", Set.of("agents"));
            customers = MaskingCorpus.customerRows(7);
            customerMasker = DataRowMasking.forTable("public", "customers", MaskingCorpus.CUSTOMER_COLUMNS,
                    MaskingCorpus.CUSTOMER_TYPES, plan);
            notes = new ArrayList<>();
            for (byte[] value : MaskingCorpus.values(43, 0.10)) {
                notes.add(new dev.sluice.postgres.wire.BackendMessage.DataRow(new byte[][] {value}).toFrame());
            }
            noteMasker = DataRowMasking.forTable("public", "tickets", List.of("note"), List.of(25), plan);
            if (customerMasker.mask(customers.getFirst()) == customers.getFirst()) {
                throw new IllegalStateException("customer-pii masked nothing in a customers row");
            }
        }

        @TearDown(Level.Iteration)
        public void reset() {
            customerMasker.takeMasked();
            noteMasker.takeMasked();
        }
    }

    @Benchmark
    public void detector(Values values, OneDetector detector, Blackhole sink) {
        maskAll(values, detector.masker, sink);
    }

    @Benchmark
    public void allDetectors(Values values, AllDetectors detectors, Blackhole sink) {
        maskAll(values, detectors.masker, sink);
    }

    @Benchmark
    public void customerPii(CustomerPii pii, Blackhole sink) {
        for (Frame row : pii.customers) {
            sink.consume(pii.customerMasker.mask(row));
        }
    }

    @Benchmark
    public void customerPiiOtherTable(CustomerPii pii, Blackhole sink) {
        for (Frame row : pii.notes) {
            sink.consume(pii.noteMasker.mask(row));
        }
    }

    private static void maskAll(Values values, TextMasker masker, Blackhole sink) {
        for (byte[] value : values.values) {
            String text = new String(value, StandardCharsets.UTF_8);
            String masked = masker.mask(text, values.counter);
            sink.consume(masked == text ? value : masked.getBytes(StandardCharsets.UTF_8));
        }
    }
}
