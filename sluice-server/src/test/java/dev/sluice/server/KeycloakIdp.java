package dev.sluice.server;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.FreePort;

/**
 * A real Keycloak ({@code org.keycloak:keycloak-quarkus-dist}, unpacked by the build into
 * {@code target/keycloak}) in development mode on a loopback port, with its embedded H2 database in the
 * distribution's {@code data/}, deleted before each start. Realms are created through its admin REST API (one call
 * with the whole realm, faster than a {@code kcadm.sh} process per object). Start-up takes 20–90 s depending on the
 * machine's load (the first start after unpacking also builds the Quarkus application): one per test class.
 */
final class KeycloakIdp implements AutoCloseable {
    static final Path DIST = Paths.get("target", "keycloak", "keycloak-26.4.0");
    static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-pw";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path log;
    private final Instant launched = Instant.now();

    private KeycloakIdp(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts Keycloak; returns once the process runs (see {@link #awaitReady()}). */
    static KeycloakIdp launch() throws IOException {
        Path home = DIST.toAbsolutePath();
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new IllegalStateException("no Keycloak distribution at " + home
                    + ": the sluice-server build unpacks org.keycloak:keycloak-quarkus-dist there "
                    + "(generate-test-resources)");
        }
        deleteTree(home.resolve("data"));
        int port = FreePort.find();
        Path log = home.resolveSibling("keycloak-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-port", Integer.toString(port), "--http-host", "127.0.0.1", "--http-management-port",
                Integer.toString(FreePort.find()))
                .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64");
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        // C1 only: Keycloak's start-up is mostly class loading and one-off work, which C2 does not pay back
        builder.environment().put("JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1");
        builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms256m -Xmx768m");
        return new KeycloakIdp(builder.start(), port, log);
    }

    /** Waits until the master realm answers; fails with the log's tail when Keycloak exits or takes too long. */
    KeycloakIdp awaitReady() throws Exception {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited: " + tail());
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/realms/master"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    // the first start after unpacking builds the Quarkus application first
                    System.out.println("Keycloak ready after " + Duration.between(launched, Instant.now())
                            .toSeconds() + " s" + (Files.readString(log).contains("Updating the configuration")
                            ? " (including its one-off build)" : ""));
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Keycloak did not start within " + START_TIMEOUT + ": " + tail());
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Creates a realm from its JSON representation (clients, groups, users, mappers in one call). */
    void createRealm(String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/admin/realms"))
                .header("Authorization", "Bearer " + adminToken()).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("Keycloak refused the realm: " + response.statusCode() + " "
                    + response.body());
        }
    }

    /** Ends every session of {@code username} at Keycloak, as an administrator would (back-channel logout follows). */
    void logoutUser(String realm, String username) throws Exception {
        String token = adminToken();
        HttpResponse<String> users = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/admin/realms/" + realm
                + "/users?exact=true&username=" + URLEncoder.encode(username, StandardCharsets.UTF_8)))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String id = JSON.readTree(users.body()).path(0).path("id").asText();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/admin/realms/" + realm
                + "/users/" + id + "/logout")).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 204) {
            throw new IllegalStateException("Keycloak did not log " + username + " out: " + response.statusCode());
        }
    }

    private String adminToken() throws Exception {
        String form = "grant_type=password&client_id=admin-cli&username=" + ADMIN + "&password="
                + URLEncoder.encode(ADMIN_PASSWORD, StandardCharsets.UTF_8);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url()
                + "/realms/master/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body()).path("access_token").asText();
    }

    private String tail() {
        try {
            String text = Files.readString(log);
            return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        deleteTree(DIST.toAbsolutePath().resolve("data"));
        Files.deleteIfExists(log);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
