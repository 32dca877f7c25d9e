package dev.sluice.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.core.Secret;

class HttpNotifierTest {
    private final ConcurrentLinkedQueue<String[]> received = new ConcurrentLinkedQueue<>();
    private HttpServer server;
    private volatile int status = 200;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            received.add(new String[] {String.valueOf(exchange.getRequestHeaders().getFirst("X-Sluice-Signature")),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)});
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private NotifyTarget target(String type, String secret) {
        return new NotifyTarget(type, URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/h"),
                Secret.of(secret), 0);
    }

    private static ApprovalRequest request() {
        return ApprovalRequestTest.request(ApprovalRequestTest.person("agent"), 1);
    }

    @Test
    void webhookBodyIsSignedWithTheSecret() throws Exception {
        HttpNotifier notifier = new HttpNotifier(target("webhook", "s3cret"), HttpClient.newHttpClient());
        notifier.send(request(), ApprovalLinks.of(URI.create("http://sluice:8443/"), "ap-1"));
        String[] hook = received.poll();
        assertThat(hook[0]).isEqualTo("sha256=" + HttpNotifier.sign("s3cret", hook[1].getBytes(
                StandardCharsets.UTF_8)));
        JsonNode body = new ObjectMapper().readTree(hook[1]);
        assertThat(body.path("approval").path("id").asText()).isEqualTo("ap-1");
        assertThat(body.path("approval").path("links").path("approve").asText())
                .isEqualTo("http://sluice:8443/api/approvals/ap-1/approve");
        assertThat(notifier.channel()).doesNotContain("s3cret");
    }

    @Test
    void slackMessageLinksToTheConsolePageOfTheRequest() throws Exception {
        new HttpNotifier(target("slack", ""), HttpClient.newHttpClient()).send(request(),
                ApprovalLinks.of(URI.create("http://sluice:8443"), "ap-1"));
        String[] hook = received.poll();
        assertThat(hook[0]).isEqualTo("null");
        JsonNode body = new ObjectMapper().readTree(hook[1]);
        assertThat(body.path("text").asText()).contains("ap-1", "DELETE FROM t WHERE id = 1");
        assertThat(body.path("blocks").get(1).path("elements")).extracting(e -> e.path("url").asText())
                .containsExactly("http://sluice:8443/console/approvals/ap-1");
        assertThat(body.path("text").asText()).contains("http://sluice:8443/console/approvals/ap-1");
    }

    @Test
    void aNon2xxAnswerIsAFailedDelivery() {
        status = 500;
        HttpNotifier notifier = new HttpNotifier(target("webhook", ""), HttpClient.newHttpClient());
        assertThatThrownBy(() -> notifier.send(request(), ApprovalLinks.of(URI.create("http://s"), "ap-1")))
                .isInstanceOf(IOException.class).hasMessageContaining("500");
    }
}
