package dev.sluice.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExportTest {
    @TempDir
    Path dir;

    @Test
    void rotatesAtTheSizeLimitKeepingEveryEventAcrossFiles() throws Exception {
        Path file = dir.resolve("out/audit.jsonl");
        try (Trail trail = new Trail(dir)) {
            for (int i = 1; i <= 20; i++) {
                trail.statement(i);
            }
            SinkConfig.File sink = new SinkConfig.File("file", 2, file, 1024, 20);
            try (Exports exports = Exports.start(List.of(sink), trail.reader, dir, System.out, Clock.systemUTC(),
                    Duration.ofMillis(20))) {
                Waits.until(() -> exports.status().getFirst().cursor() == 20, Duration.ofSeconds(10));
            }
        }
        List<String> lines = new ArrayList<>();
        for (int n = 20; n >= 1; n--) {
            Path old = file.resolveSibling("audit.jsonl." + n);
            if (Files.exists(old)) {
                lines.addAll(Files.readAllLines(old));
            }
        }
        lines.addAll(Files.readAllLines(file));
        assertThat(file.resolveSibling("audit.jsonl.1")).exists();
        assertThat(lines).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(lines.get(i)).startsWith("{\"seq\":" + (i + 1) + ",");
        }
    }

    @Test
    void writesJsonLinesToStdout() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Trail trail = new Trail(dir)) {
            trail.statement(1);
            try (Exports exports = Exports.start(List.of(new SinkConfig.Stdout("stdout", 100)), trail.reader, dir, out,
                    Clock.systemUTC(), Duration.ofMillis(20))) {
                Waits.until(() -> exports.status().getFirst().cursor() == 1, Duration.ofSeconds(10));
            }
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("{\"seq\":1,\"time\":")
                .contains("\"statement\":\"SELECT 1\"").endsWith("}\n");
    }
}
