package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.sluice.core.policy.SqlCommand;

/**
 * Jazzer fuzz target for the classifier entry, {@link SqlClassifier#classify} (libpg_query through
 * {@code java.lang.foreign}). Seeds (real statements and known nasty SQL: deep nesting, long {@code 1+1+...} chains,
 * NUL, invalid UTF-8) are in {@code src/test/resources/dev/sluice/postgres/sql/SqlClassifierFuzzTestInputs/classify/}; the
 * mutations use the PostgreSQL keywords of {@code sql.dict} next to it (libpg_query is native code, so the fuzzer
 * cannot learn them from comparisons).
 *
 * <p>The contract checked on every input, decoded as UTF-8 with replacement (the wire decoder rejects invalid
 * UTF-8, so the classifier never sees it; replacement characters stand in for it here):
 * <ul>
 *   <li>it never crashes the JVM: it runs on a virtual thread, as in the relay, so native stack use on a carrier
 *       thread is what is tested;</li>
 *   <li>it never throws, and takes at most {@link #BASE_TIME} + {@link #TIME_PER_BYTE} per input byte;</li>
 *   <li>an input holding NUL is one UNKNOWN command;</li>
 *   <li>every command's text is a piece of the input, and every command carries the statement count;</li>
 *   <li>no internal failure is hidden: {@code classify} turns exceptions into UNKNOWN (fail closed), so when the
 *       result is UNKNOWN the target also calls the private parse step, where an exception is a finding.</li>
 * </ul>
 */
class SqlClassifierFuzzTest {
    static final Duration BASE_TIME = Duration.ofSeconds(2);
    static final Duration TIME_PER_BYTE = Duration.ofNanos(100_000);

    private static final SqlClassifier CLASSIFIER = SqlClassifier.create(0);
    private static final Optional<Method> PARSE_STEP = parseStep();

    @DictionaryFile(resourcePath = "sql.dict")
    @FuzzTest(maxDuration = "10s")
    void classify(byte[] data) throws Exception {
        String sql = new String(data, StandardCharsets.UTF_8);
        AtomicReference<Object> outcome = new AtomicReference<>();
        long start = System.nanoTime();
        Thread worker = Thread.ofVirtual().start(() -> {
            try {
                outcome.set(CLASSIFIER.classify(sql));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        worker.join();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (outcome.get() instanceof Throwable e) {
            throw new AssertionError("classify threw", e);
        }
        Classification result = (Classification) outcome.get();
        assertThat(took).as("classifying %d bytes", data.length)
                .isLessThanOrEqualTo(BASE_TIME.plus(TIME_PER_BYTE.multipliedBy(data.length)));
        assertContract(sql, result);
        if (result.hasUnknown() && PARSE_STEP.isPresent()) {
            try {
                PARSE_STEP.get().invoke(CLASSIFIER, sql);
            } catch (InvocationTargetException e) {
                throw new AssertionError("classify hid an internal failure behind UNKNOWN", e.getCause());
            }
        }
    }

    static void assertContract(String sql, Classification result) {
        if (sql.indexOf('\0') >= 0) {
            assertThat(result.commands()).as("a statement with NUL is never parsed").hasSize(1);
            assertThat(result.commands().getFirst().unknown()).isTrue();
        }
        for (SqlCommand command : result.commands()) {
            assertThat(command.kind()).matches("[A-Z_]+");
            assertThat(command.statementCount()).isEqualTo(result.commands().size());
            if (command.unknown() && command.text().endsWith("...") && result.refusal().isPresent()) {
                // over a statement limit: refused before parsing, the command keeps a bounded head of the text
                assertThat(sql).as("the head of the refused text")
                        .startsWith(command.text().substring(0, command.text().length() - 3));
            } else {
                assertThat(sql).as("the statement's own text").contains(command.text());
            }
        }
        result.prepared().forEach(ref -> assertThat(ref.commandIndex()).isBetween(0, result.commands().size() - 1));
    }

    /** The private step of {@code classify} that does not catch, when it exists under that name. */
    private static Optional<Method> parseStep() {
        try {
            Method result = SqlClassifier.class.getDeclaredMethod("classifyParsed", String.class);
            result.setAccessible(true);
            return Optional.of(result);
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }
}
