package dev.sluice.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.ConfigProblems;

class ExportsConfigTest {
    private static final Path FILE = Path.of("/etc/sluice/sluice.yaml");

    private static List<SinkConfig> bind(String yaml, ConfigProblems problems) {
        return ExportsConfig.bind(ConfigNode.parse(FILE, yaml), problems, Map.of("SIEM_TOKEN", "s3cr3t"));
    }

    @Test
    void bindsEverySinkType() {
        ConfigProblems problems = new ConfigProblems();
        List<SinkConfig> sinks = bind("""
                exports:
                  - type: stdout
                  - type: file
                    path: logs/audit.jsonl
                    max-size: 10MB
                  - type: syslog
                    address: siem.example:6514
                    tls: true
                  - type: http
                    name: splunk
                    url: https://siem.example/collect
                    batch-size: 500
                    headers:
                      Authorization: Bearer ${env:SIEM_TOKEN}
                  - type: kafka
                    bootstrap: kafka-1:9092,kafka-2:9092
                    topic: sluice-audit
                """, problems);
        assertThat(problems.list()).isEmpty();
        assertThat(sinks).extracting(SinkConfig::name)
                .containsExactly("stdout-1", "file-2", "syslog-3", "splunk", "kafka-5");
        SinkConfig.File file = (SinkConfig.File) sinks.get(1);
        assertThat(file.path()).isEqualTo(Path.of("/etc/sluice/logs/audit.jsonl"));
        assertThat(file.maxBytes()).isEqualTo(10L * 1024 * 1024);
        SinkConfig.Syslog syslog = (SinkConfig.Syslog) sinks.get(2);
        assertThat(syslog.tls()).isTrue();
        assertThat(syslog.framing()).isEqualTo("octet-counting");
        SinkConfig.Http http = (SinkConfig.Http) sinks.get(3);
        assertThat(http.batchSize()).isEqualTo(500);
        assertThat(http.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(http.headers().get("Authorization").reveal()).isEqualTo("Bearer s3cr3t");
        assertThat(http.toString()).doesNotContain("s3cr3t");
        assertThat(((SinkConfig.Kafka) sinks.get(4)).topic()).isEqualTo("sluice-audit");
    }

    @Test
    void reportsEveryProblemWithItsLine() {
        ConfigProblems problems = new ConfigProblems();
        List<SinkConfig> sinks = bind("""
                exports:
                  - type: carrier-pigeon
                  - type: http
                    url: ftp://nope
                  - type: file
                    path: a.jsonl
                    max-size: lots
                    colour: red
                  - type: kafka
                    topic: t
                  - type: stdout
                    name: Bad Name
                """, problems);
        assertThat(sinks).extracting(SinkConfig::type).doesNotContain("http", "kafka");
        assertThat(problems.list()).extracting(ConfigProblem::line).containsExactly(2, 4, 7, 8, 9, 12);
        assertThat(problems.list()).extracting(ConfigProblem::message).anyMatch(m -> m.contains("carrier-pigeon"))
                .anyMatch(m -> m.contains("http:// or https://")).anyMatch(m -> m.contains("10MB"))
                .anyMatch(m -> m.contains("'colour'")).anyMatch(m -> m.contains("'bootstrap'"))
                .anyMatch(m -> m.contains("sink name"));
    }
}
