package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.testing.Cli;
import dev.sluice.testing.OidcProvider;

/**
 * What approvers see of a held HTTP request (issue 12): curl through Sluice holds a POST; its body, content type and
 * selected headers are shown over REST, by {@code sluice approvals show} and in the web console (Debian's Chromium),
 * masked by the connection's rules (a JSON field rule, an e-mail detector) and the built-in secret detectors, with
 * no credential header's value anywhere; the masked values are not in any file of the data dir (store, journal,
 * audit). The approval binds to the body: a retry with another body is held again, the identical one runs, and the
 * service receives exactly the previewed body.
 */
class HeldRequestPreviewE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IBAN = "DE89370400440532013000";
    private static final String EMAIL = "ada.lovelace@example.com";
    private static final String COOKIE = "sid=cookie-value-77f1";
    private static final String API_KEY = "k-9f8e7d6c5b4a";
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLWhlcmUtMTIzNDU2";
    private static HttpUpstream upstream;
    private static OidcProvider people;
    private static ProxyHarness sluice;
    private static final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws IOException {
        upstream = HttpUpstream.start();
        people = OidcProvider.startInteractive();
        sluice = ProxyHarness.start(oidc -> """
                  people:
                    oidc:
                      issuer: %s
                      client-id: sluice-console
                      client-secret: console-secret
                      groups-claim: groups
                connections:
                  - name: billing
                    type: http
                    address: %s
                    headers:
                      Authorization: "Bearer svc-credential-123"
                    allow: {groups: [agents]}
                policies:
                  - name: refunds-need-finance
                    connections: [billing]
                    require-approval:
                      kinds: [POST]
                      paths: ["/upload"]
                      approvers: [finance]
                      expires: 10m
                      respond: accepted
                  - name: transfers-need-finance
                    connections: [billing]
                    require-approval:
                      kinds: [POST]
                      paths: ["/transfers"]
                      approvers: [finance]
                      expires: 10m
                masking:
                  - name: pii
                    connections: [billing]
                    detectors: [email]
                    columns: {"billing.iban": redact}
                """.formatted(people.issuer("people"), upstream.url()));
    }

    @AfterAll
    static void stop() {
        clients.shutdownNow();
        if (sluice != null) {
            sluice.close();
        }
        upstream.close();
        people.close();
    }

    @Test
    void aHeldPostIsShownToApproversMaskedAndOnlyThatBodyRunsOnceApproved() throws Exception {
        String agent = sluice.token("agent-preview", "agents");
        String body = "{\"refund\":7,\"iban\":\"" + IBAN + "\",\"contact\":\"" + EMAIL + "\",\"memo\":\"token "
                + JWT + "\",\"note\":\"duplicate charge\"}";
        Cli.Result first = post(agent, "/upload", "application/json", body);
        assertThat(first.stdout()).as(first.stderr()).startsWith("HTTP/1.1 202");
        String id = approvalId(first.stdout());

        JsonNode request = api("GET", "/api/approvals/" + id, sluice.token("fin-ann", "finance"));
        JsonNode preview = request.path("preview");
        assertThat(preview.path("content_type").asText()).isEqualTo("application/json");
        assertThat(preview.path("body").asText()).contains("\"refund\":7", "\"note\":\"duplicate charge\"",
                "\"iban\":\"").doesNotContain(IBAN, EMAIL, JWT);
        assertThat(preview.path("body_bytes").asLong()).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
        assertThat(preview.path("body_sha256").asText()).isEqualTo(sha256(body));
        assertThat(preview.path("cut").asBoolean()).isFalse();
        assertThat(preview.path("headers").toString()).contains("Idempotency-Key", "idem-42");
        assertThat(preview.path("hidden_headers").toString()).contains("Cookie", "X-Api-Key");
        String everything = request.toString();
        assertThat(everything).doesNotContain(COOKIE, API_KEY, agent, "svc-credential-123", IBAN, EMAIL);

        String shown = InProcessCli.run("approvals", "show", id, "--url", apiUrl(), "--token",
                sluice.token("fin-ann", "finance"));
        assertThat(shown).contains(id, "content type:  application/json", "Idempotency-Key: idem-42",
                "\"refund\":7", "sha256 " + sha256(body)).doesNotContain(IBAN, EMAIL, COOKIE, API_KEY, JWT);

        // Neither the store nor the journal nor the audit trail holds a masked value or a credential in clear.
        assertThat(filesContaining(List.of(IBAN, EMAIL, COOKIE, API_KEY, JWT))).isEmpty();

        api("POST", "/api/approvals/" + id + "/approve", sluice.token("fin-ann", "finance"));
        // Approved: another body is another request, held again; nothing reached the service.
        String otherBody = body.replace("\"refund\":7", "\"refund\":7000");
        Cli.Result other = post(agent, "/upload", "application/json", otherBody);
        assertThat(other.stdout()).startsWith("HTTP/1.1 202");
        String otherId = approvalId(other.stdout());
        assertThat(otherId).isNotEqualTo(id);
        assertThat(api("GET", "/api/approvals/" + otherId, sluice.token("fin-ann", "finance")).path("preview")
                .path("body").asText()).contains("\"refund\":7000");
        assertThat(posted("/upload")).isEmpty();

        // The identical request runs, and the service received exactly the body that was shown.
        Cli.Result retry = post(agent, "/upload", "application/json", body);
        assertThat(retry.stdout()).startsWith("HTTP/1.1 200")
                .endsWith(body.getBytes(StandardCharsets.UTF_8).length + " " + sha256(body));
        assertThat(posted("/upload")).hasSize(1);
        assertThat(sluice.audit(AuditQuery.all().withSubject("agent-preview")))
                .filteredOn(r -> r.kind().equals("approval.executed")).hasSize(1);
    }

    @Test
    void aWaitingFormPostIsShownFieldByFieldMaskedAndRunsWithItsBodyWhenApproved() throws Exception {
        String agent = sluice.token("agent-form", "agents");
        String body = "amount=25&iban=" + IBAN + "&reply_to=" + EMAIL.replace("@", "%40") + "&memo=rent+march";
        Future<Cli.Result> held = clients.submit(() -> post(agent, "/transfers",
                "application/x-www-form-urlencoded", body));
        ApprovalRequest request = awaitPending("agent-form");
        var preview = request.preview();
        assertThat(preview.body()).contains("amount=25\n", "memo=rent march\n", "iban=").doesNotContain(IBAN, EMAIL);
        assertThat(preview.bodySha256()).isEqualTo(sha256(body));
        assertThat(held.isDone()).isFalse();
        assertThat(posted("/transfers")).isEmpty();

        api("POST", "/api/approvals/" + request.id() + "/approve", sluice.token("fin-bo", "finance"));
        Cli.Result done = held.get(30, TimeUnit.SECONDS);
        assertThat(done.stdout()).as(done.stderr()).startsWith("HTTP/1.1 200")
                .endsWith(body.length() + " " + sha256(body));
        assertThat(posted("/transfers")).hasSize(1);
    }

    @Test
    void theConsoleShowsTheHeldRequestsMaskedBodyToAnApproverInChromium() throws Exception {
        String agent = sluice.token("agent-console", "agents");
        String body = "{\"refund\":12,\"iban\":\"" + IBAN + "\",\"contact\":\"" + EMAIL + "\"}";
        Cli.Result first = post(agent, "/upload", "application/json", body);
        String id = approvalId(first.stdout());
        String url = apiUrl();
        try (ConsoleBrowser browser = ConsoleBrowser.start(); BrowserContext carol = browser.person()) {
            Page page = ConsoleBrowser.signIn(carol, url, "carol", List.of("finance"));
            page.navigate(url + "/console/approvals/" + id);
            Locator held = page.locator("article#" + id + " section.held-request");
            held.waitFor();
            String text = held.textContent();
            assertThat(text).contains("application/json", "\"refund\":12", "Idempotency-Key: idem-42",
                    "sha256 " + sha256(body), "Cookie").doesNotContain(IBAN, EMAIL, COOKIE, API_KEY);
            assertThat(page.locator("article#" + id + " button[data-action=approve]").count()).isEqualTo(1);
        }
    }

    private static Cli.Result post(String token, String path, String type, String body) {
        List<String> args = new ArrayList<>(List.of("-i", "-H", "Authorization: Bearer " + token, "-H",
                "Content-Type: " + type, "-H", "Cookie: " + COOKIE, "-H", "X-Api-Key: " + API_KEY, "-H",
                "Idempotency-Key: idem-42", "--data-binary", body, sluice.url() + "/http/billing" + path));
        return sluice.curl(args.toArray(String[]::new));
    }

    private static String apiUrl() {
        return "http://127.0.0.1:" + sluice.gateway().httpPort();
    }

    private static JsonNode api(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiUrl() + path))
                .header("Authorization", "Bearer " + token);
        request = method.equals("POST") ? request.POST(HttpRequest.BodyPublishers.noBody()) : request.GET();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            return JSON.readTree(answer.body());
        }
    }

    private static ApprovalRequest awaitPending(String subject) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ApprovalRequest> found = sluice.gateway().approvals()
                    .list(Optional.of(ApprovalState.PENDING), 100).stream()
                    .filter(r -> r.requester().subject().equals(subject)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no pending request of " + subject);
    }

    private static String approvalId(String answer) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"approval_id\":\"(ap-[0-9a-f]+)\"")
                .matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return m.group(1);
    }

    private static List<HttpUpstream.Seen> posted(String path) {
        return upstream.requests().stream().filter(r -> r.method().equals("POST") && r.uri().equals(path)).toList();
    }

    /** The files of the data dir (audit store, its journal and WAL, the approval store) holding any of the values. */
    private static List<String> filesContaining(List<String> values) throws IOException {
        sluice.gateway().audit().flush();
        List<String> result = new ArrayList<>();
        try (var files = Files.walk(sluice.dir().resolve("data"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                values.stream().filter(text::contains).forEach(v -> result.add(file + ": " + v));
            }
        }
        return result;
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(
                StandardCharsets.UTF_8)));
    }
}
