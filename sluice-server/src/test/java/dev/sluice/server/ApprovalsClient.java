package dev.sluice.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A small client of the approvals REST API for tests: real HTTP against a running gateway. */
final class ApprovalsClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    record Answer(int status, JsonNode body) {
    }

    ApprovalsClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    Answer get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (!token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    Answer post(String path, String token, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (!token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        return new Answer(response.statusCode(), body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body));
    }

    /** Polls the pending list until a request matches, for at most {@code timeout}. */
    JsonNode awaitPending(String token, Predicate<JsonNode> match, Duration timeout) throws Exception {
        return awaitPending(token, match, timeout, "pending");
    }

    /** The first request in {@code state} ({@code all} for any) that matches, polling until {@code timeout}. */
    JsonNode awaitPending(String token, Predicate<JsonNode> match, Duration timeout, String state) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Answer answer = get("/api/approvals?state=" + state, token);
            if (answer.status() == 200) {
                for (JsonNode request : answer.body()) {
                    if (match.test(request)) {
                        return request;
                    }
                }
            }
            Thread.sleep(50); // polling a real server until the held statement shows up
        }
        throw new AssertionError("no matching " + state + " approval request within " + timeout);
    }

    /** Polls one request until its state is {@code state}. */
    Optional<JsonNode> awaitState(String id, String token, String state, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Answer answer = get("/api/approvals/" + id, token);
            if (answer.status() == 200 && answer.body().path("state").asText().equals(state)) {
                return Optional.of(answer.body());
            }
            Thread.sleep(50); // polling a real server
        }
        return Optional.empty();
    }
}
