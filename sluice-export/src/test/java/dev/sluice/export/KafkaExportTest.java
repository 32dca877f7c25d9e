package dev.sluice.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void publishesEveryEventToTheTopicKeyedBySession() throws Exception {
        long start = System.nanoTime();
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"));
             Trail trail = new Trail(dir.resolve("sluice"))) {
            System.out.printf("kafka broker started in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            for (int i = 1; i <= 5; i++) {
                trail.statement(i);
            }
            SinkConfig.Kafka sink = new SinkConfig.Kafka("kafka", 100, broker.bootstrap(), "sluice-audit",
                    Duration.ofSeconds(30));
            try (Exports exports = Exports.start(List.of(sink), trail.reader, dir.resolve("sluice"),
                    OutputStream.nullOutputStream(), Clock.systemUTC(), Duration.ofMillis(20))) {
                Waits.until(() -> exports.status().getFirst().cursor() == 5, Duration.ofSeconds(60));
            }
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", broker.bootstrap(), "group.id", KafkaBroker.unusedName(),
                    "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("sluice-audit"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (records.size() < 5 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                }
            }
            assertThat(records).hasSize(5);
            assertThat(records).extracting(ConsumerRecord::key).containsOnly("s-0123456789abcdef");
            List<Long> seqs = new ArrayList<>();
            for (ConsumerRecord<String, String> record : records) {
                seqs.add(JSON.readTree(record.value()).get("seq").asLong());
            }
            assertThat(seqs).containsExactly(1L, 2L, 3L, 4L, 5L);
        }
        System.out.printf("kafka test took %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }
}
