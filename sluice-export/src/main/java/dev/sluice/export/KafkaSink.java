package dev.sluice.export;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditRecord;

/**
 * One Kafka record per event on the configured topic: key the session id (so a session's events stay in one
 * partition, in order), value the event's JSON. Idempotent producer, {@code acks=all}; a batch counts as delivered
 * when every record is acknowledged. A failed batch closes the producer, and the next attempt starts a fresh one.
 */
final class KafkaSink implements ExportSink {
    private final SinkConfig.Kafka config;
    private KafkaProducer<String, String> producer;

    KafkaSink(SinkConfig.Kafka config) {
        this.config = config;
    }

    @Override
    public void send(List<AuditRecord> batch) throws IOException {
        try {
            if (producer == null) {
                producer = new KafkaProducer<>(properties(), new StringSerializer(), new StringSerializer());
            }
            List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
            for (AuditRecord record : batch) {
                acks.add(producer.send(new ProducerRecord<>(config.topic(), record.session(),
                        AuditJson.toJson(record))));
            }
            producer.flush();
            long deadline = System.nanoTime() + config.timeout().toNanos();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            close();
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IOException("kafka delivery to topic " + config.topic() + " failed: " + cause.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while delivering to kafka", e);
        }
    }

    private Properties properties() {
        Properties result = new Properties();
        long timeoutMs = config.timeout().toMillis();
        result.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
        result.put(ProducerConfig.ACKS_CONFIG, "all");
        result.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        result.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-export-" + config.name());
        result.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeoutMs));
        long requestMs = Math.min(timeoutMs, 30_000);
        result.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(requestMs));
        result.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // the producer insists on delivery.timeout.ms >= linger.ms + request.timeout.ms
        result.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(timeoutMs, requestMs + 5)));
        return result;
    }

    @Override
    public void close() {
        if (producer == null) {
            return;
        }
        try {
            producer.close(java.time.Duration.ofSeconds(2));
        } catch (KafkaException e) {
            // a producer that cannot close cleanly is dropped
        }
        producer = null;
    }
}
