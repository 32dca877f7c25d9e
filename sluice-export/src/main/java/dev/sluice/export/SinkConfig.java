package dev.sluice.export;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.sluice.core.Secret;
import dev.sluice.core.config.HostPort;

/**
 * One entry of the top-level {@code exports} list: where the audit trail is streamed. Every sink has a {@code name}
 * (default {@code <type>-<position>}, which names its cursor file) and a {@code batchSize} (events per delivery).
 * See {@code docs/exports.md}.
 */
public sealed interface SinkConfig {

    String name();

    int batchSize();

    /** The {@code type} key. */
    String type();

    /** JSON lines on the process's standard output. */
    record Stdout(String name, int batchSize) implements SinkConfig {
        public String type() {
            return "stdout";
        }
    }

    /** JSON lines appended to {@code path}; at {@code maxBytes} it is renamed {@code path.1} (keeping {@code keep}). */
    record File(String name, int batchSize, Path path, long maxBytes, int keep) implements SinkConfig {
        public String type() {
            return "file";
        }
    }

    /**
     * RFC 5424 messages over TCP (RFC 6587 framing: {@code octet-counting} or {@code newline}), or over TLS
     * (RFC 5425) when {@code tls}; the server certificate is checked against {@code caFile} (PEM) or the JDK's trust.
     */
    record Syslog(String name, int batchSize, HostPort address, boolean tls, Optional<Path> caFile, String framing,
                  String appName) implements SinkConfig {
        public String type() {
            return "syslog";
        }
    }

    /** Batches POSTed as a JSON array to {@code url}; any 2xx status is a delivery. Header values are secrets. */
    record Http(String name, int batchSize, URI url, Duration timeout, Map<String, Secret> headers)
            implements SinkConfig {
        public Http {
            headers = Map.copyOf(headers);
        }

        public String type() {
            return "http";
        }
    }

    /** One Kafka record per event (key: session id, value: the event's JSON), acknowledged by all in-sync replicas. */
    record Kafka(String name, int batchSize, String bootstrap, String topic, Duration timeout) implements SinkConfig {
        public String type() {
            return "kafka";
        }
    }
}
