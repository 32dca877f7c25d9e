package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/** An append that returned survives the writing process being killed with SIGKILL. */
class DurabilityTest {
    private static final int WAIT_FOR = 300;

    @TempDir
    Path dir;

    @Test
    void appendedEventsSurviveKillMinusNine() throws Exception {
        Path file = dir.resolve("audit.db");
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                AppendingChild.class.getName(), file.toString())
                .redirectError(dir.resolve("child.err").toFile())
                .start();
        List<Long> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                acknowledged.add(Long.parseLong(line.trim()));
                if (acknowledged.size() >= WAIT_FOR) {
                    child.destroyForcibly();
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).as("child output, see child.err").hasSize(WAIT_FOR);

        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            long last = acknowledged.getLast();
            List<AuditRecord> stored = log.query(AuditQuery.all().withLimit(AuditTable.MAX_LIMIT));

            assertThat(log.head().seq()).isGreaterThanOrEqualTo(last);
            assertThat(stored).extracting(AuditRecord::seq).containsAll(acknowledged);
            for (int k = 0; k < acknowledged.size(); k++) {
                assertThat(stored.get((int) (acknowledged.get(k) - 1)).statement()).isEqualTo("SELECT " + (k + 1));
            }
            assertThat(log.verify().ok()).isTrue();
        }
    }

    /** Appends until killed, printing each seq after append returned; four writer threads keep batches going. */
    public static final class AppendingChild {
        public static void main(String[] args) throws Exception {
            SqliteAuditLog log = SqliteAuditLog.open(Path.of(args[0]), Events.CLOCK);
            for (int t = 0; t < 3; t++) {
                Thread.ofPlatform().daemon().start(() -> {
                    while (true) {
                        log.append(Events.statement(-1));
                    }
                });
            }
            for (long i = 1; ; i++) {
                long seq = log.append(Events.statement(Events.T0, Events.ctx("s-1", "bob", "prod"), i,
                        "SELECT " + i));
                System.out.println(seq);
                System.out.flush();
            }
        }
    }
}
