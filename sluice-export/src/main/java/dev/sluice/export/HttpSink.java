package dev.sluice.export;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditRecord;

/**
 * Each batch POSTed as one JSON array ({@code Content-Type: application/json}); a 2xx answer is a delivery, anything
 * else (or no answer within the timeout) a failure to retry. Configured header values (tokens) are sent, never logged.
 */
final class HttpSink implements ExportSink {
    private final SinkConfig.Http config;
    private HttpClient client;

    HttpSink(SinkConfig.Http config) {
        this.config = config;
    }

    @Override
    public void send(List<AuditRecord> batch) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(AuditJson.toJsonArray(batch)));
        config.headers().forEach((name, value) -> request.header(name, value.reveal()));
        if (client == null) {
            client = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
        }
        HttpResponse<Void> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while posting to " + config.url().getHost(), e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException("the export endpoint answered HTTP " + response.statusCode());
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
