package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * curl through Sluice's HTTPS proxy to a real HTTP service (the JDK's HttpServer): the caller's OIDC token is
 * verified and never reaches the service, the configured credential is injected, paths are judged, JSON and text
 * responses are masked, and every request is audited with its status.
 */
class HttpProxyE2ETest {
    private static HttpUpstream upstream;
    private static WebSocketStandIn webSockets;
    private static ProxyHarness sluice;

    @BeforeAll
    static void start() throws IOException {
        upstream = HttpUpstream.start();
        webSockets = WebSocketStandIn.start();
        Path secret = Files.createTempFile("billing-token", "");
        Files.writeString(secret, "svc-credential-123\n");
        sluice = ProxyHarness.start(oidc -> """
                https:
                  host-suffix: sluice.test
                connections:
                  - name: billing
                    type: http
                    address: %s
                    headers:
                      Authorization: "Bearer ${file:%s}"
                    allow: {groups: [agents]}
                  - name: sockets
                    type: http
                    address: %s
                    allow: {groups: [agents]}
                  - name: billing-basic
                    type: http
                    address: %s
                    basic-auth: {user: svc, password: "pa:ss"}
                    allow: {groups: [agents]}
                  - name: billing-oauth
                    type: http
                    address: %s
                    oauth2-client-credentials:
                      token-url: %s
                      client-id: billing-client
                      client-secret: s3cret
                      scope: invoices
                    allow: {groups: [agents]}
                policies:
                  - name: no-admin
                    connections: [billing]
                    groups: [agents]
                    deny:
                      paths: ["/admin/**", "/admin"]
                  - name: uploads-need-finance
                    connections: [billing]
                    groups: [agents]
                    require-approval:
                      kinds: [POST]
                      paths: ["/upload"]
                      approvers: [finance]
                      expires: 10m
                      respond: accepted
                masking:
                  - name: pii
                    connections: [billing]
                    detectors: [email, card]
                """.formatted(upstream.url(), secret, webSockets.url(), upstream.url(), upstream.url(),
                oidc.tokenEndpoint(ProxyHarness.ISSUER_ID)));
    }

    @AfterAll
    static void stop() throws IOException {
        sluice.close();
        upstream.close();
        webSockets.close();
    }

    static HttpClient client() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(sluice.caFile())) {
            trust.setCertificateEntry("sluice", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Test
    void hostRoutingAndBasicCredentialsReachTheService() {
        upstream.forget();
        String token = sluice.token("agent-4", "agents");
        Cli.Result byHost = sluice.curl("-H", "Authorization: Bearer " + token, "-H", "Host: billing-basic.sluice.test",
                sluice.url() + "/echo");
        assertThat(byHost.exitCode()).as(byHost.stderr()).isZero();
        HttpUpstream.Seen seen = upstream.requests().getFirst();
        assertThat(seen.uri()).isEqualTo("/echo");
        assertThat(seen.header("Authorization")).isEqualTo("Basic "
                + java.util.Base64.getEncoder().encodeToString("svc:pa:ss".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        // a Host outside the suffix is not a route: the path decides, and this one has no prefix
        assertThat(sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token, "-H",
                "Host: billing-basic.evil.test", sluice.url() + "/echo").stdout()).endsWith("404");
        assertThat(upstream.requests()).hasSize(1);
    }

    @Test
    void anOAuth2ClientCredentialsTokenIsFetchedAndInjected() {
        upstream.forget();
        Cli.Result result = sluice.curl("-H", "Authorization: Bearer " + sluice.token("agent-3", "agents"),
                sluice.url() + "/http/billing-oauth/echo");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String injected = upstream.requests().getFirst().header("Authorization");
        assertThat(injected).startsWith("Bearer ey");
        // The token Sluice fetched is the IdP's client-credentials token for billing-client, not the caller's.
        String payload = new String(java.util.Base64.getUrlDecoder().decode(injected.substring(7).split("\\.")[1]),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(payload).contains("billing-client").doesNotContain("agent-3");
    }

    @Test
    void largeBodiesStreamBothWaysWithMatchingChecksums() {
        long size = 512L << 20;
        String token = sluice.token("agent-big", "agents");
        Cli.Result download = Cli.run(Map.of(), Duration.ofSeconds(300), "sh", "-c", "curl -sS --max-time 240 "
                + "--cacert '" + sluice.caFile() + "' -H 'Authorization: Bearer " + token + "' '" + sluice.url()
                + "/http/billing/download?size=" + size + "' | sha256sum");
        assertThat(download.exitCode()).as(download.stderr()).isZero();
        assertThat(download.stdout()).startsWith(HttpUpstream.Pattern.sha256Of(size));
        Cli.Result upload = Cli.run(Map.of(), Duration.ofSeconds(300), "sh", "-c", "head -c " + size
                + " /dev/zero | curl -sS --max-time 240 --cacert '" + sluice.caFile() + "' -H 'Authorization: Bearer "
                + token + "' -H 'Content-Type: application/octet-stream' -T - '" + sluice.url()
                + "/http/billing/upload'");
        assertThat(upload.exitCode()).as(upload.stderr()).isZero();
        MessageDigest zeros = HttpUpstream.sha256();
        byte[] block = new byte[1 << 20];
        for (int i = 0; i < 512; i++) {
            zeros.update(block);
        }
        assertThat(upload.stdout()).isEqualTo(size + " " + HexFormat.of().formatHex(zeros.digest()));
        dev.sluice.testing.Eventually.await(() -> assertThat(sluice.audit(AuditQuery.all().withSubject("agent-big")))
                .filteredOn(r -> r.kind().equals("command.result")).hasSize(2)
                .allSatisfy(r -> assertThat(r.error()).isEmpty()));
    }

    @Test
    void serverSentEventsArriveAsTheyAreSentAndAreMasked() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(sluice.url() + "/http/billing/sse"))
                .header("Authorization", "Bearer " + sluice.token("agent-sse", "agents")).build();
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        client().send(request, HttpResponse.BodyHandlers.ofLines()).body().forEach(line -> {
            if (!line.isEmpty()) {
                lines.add(line);
                arrivals.add((System.nanoTime() - start) / 1_000_000);
            }
        });
        assertThat(lines).hasSize(3).allSatisfy(line -> assertThat(line).startsWith("data: event")
                .doesNotContain("ada@example.com"));
        assertThat(arrivals.get(2) - arrivals.get(0)).as("events streamed, not buffered").isGreaterThanOrEqualTo(250);
    }

    @Test
    void aWebSocketIsRelayedBothWays() throws Exception {
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch two = new java.util.concurrent.CountDownLatch(2);
        WebSocket socket = client().newWebSocketBuilder()
                .header("Authorization", "Bearer " + sluice.token("agent-ws", "agents"))
                .buildAsync(URI.create(sluice.url().replace("https", "wss") + "/http/sockets/ws/echo"),
                        new WebSocket.Listener() {
                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(WebSocket ws, CharSequence data,
                                                                                   boolean last) {
                                received.add(data.toString());
                                two.countDown();
                                ws.request(1);
                                return null;
                            }
                        }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        socket.sendText("hello", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
        socket.sendText("again", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(two.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(received).containsExactly("hello", "again");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        assertThat(sluice.audit(AuditQuery.all().withSubject("agent-ws"))).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("GET /ws/echo");
            assertThat(r.verdict()).isEqualTo("allow");
        });
    }


    @Test
    void curlReachesTheServiceWithTheInjectedCredentialAndMaskedJson() {
        upstream.forget();
        String token = sluice.token("agent-7", "agents");
        Cli.Result result = sluice.curl("-H", "Authorization: Bearer " + token,
                sluice.url() + "/http/billing/v1/invoices");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("\"amount\":5").contains("\"note\":\"ok\"")
                .doesNotContain("ada@example.com").doesNotContain("4242 4242 4242 4242");
        List<HttpUpstream.Seen> seen = upstream.requests();
        assertThat(seen).hasSize(1);
        assertThat(seen.getFirst().uri()).isEqualTo("/v1/invoices");
        assertThat(seen.getFirst().header("Authorization")).isEqualTo("Bearer svc-credential-123");
        assertThat(seen.getFirst().headers().toString()).doesNotContain(token);
        List<AuditRecord> trail = sluice.audit(AuditQuery.all().withSubject("agent-7"));
        assertThat(trail).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo("command");
            assertThat(r.statement()).isEqualTo("GET /v1/invoices");
            assertThat(r.verdict()).isEqualTo("allow");
        });
        // the outcome is recorded once the last byte went out: the client may be faster
        dev.sluice.testing.Eventually.await(() -> assertThat(sluice.audit(AuditQuery.all().withSubject("agent-7")))
                .anySatisfy(r -> assertThat(r.kind()).isEqualTo("command.result")));
        assertThat(trail.toString()).doesNotContain(token).doesNotContain("svc-credential-123");
    }

    @Test
    void aDeniedPathIsRefusedWithJsonAndNeverReachesTheService() {
        upstream.forget();
        Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer "
                + sluice.token("agent-8", "agents"), sluice.url() + "/http/billing/admin/users");
        assertThat(result.stdout()).contains("denied by Sluice policy rule \\\"no-admin\\\"").endsWith("403");
        assertThat(upstream.requests()).isEmpty();
        assertThat(sluice.audit(AuditQuery.all().withSubject("agent-8"))).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("GET /admin/users");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void badTokensAndOtherGroupsAreRefused() {
        upstream.forget();
        assertThat(sluice.curl("-w", "\n%{http_code}", sluice.url() + "/http/billing/v1/invoices").stdout())
                .endsWith("401");
        assertThat(sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer not-a-jwt",
                sluice.url() + "/http/billing/v1/invoices").stdout()).endsWith("401");
        assertThat(sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer "
                + sluice.token("outsider", "visitors"), sluice.url() + "/http/billing/v1/invoices").stdout())
                .endsWith("403");
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void aKeptAliveConnectionEndsWhenItsTokenExpires() throws Exception {
        String shortLived = sluice.oidc().userToken(ProxyHarness.ISSUER_ID, "agent-brief", ProxyHarness.AUDIENCE,
                List.of("agents"), Duration.ofSeconds(4));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(sluice.caFile())) {
            trust.setCertificateEntry("s", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        try (var socket = context.getSocketFactory().createSocket("127.0.0.1", sluice.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET /http/billing/v1/invoices HTTP/1.1\r\nHost: sluice\r\n"
                    + "Authorization: Bearer " + shortLived + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            var in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n = in.read(buffer);
            assertThat(new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
            while (in.available() > 0 && in.read(buffer) > 0) {
                // the rest of the answer
            }
            long start = System.nanoTime();
            // nothing more is sent: Sluice closes the connection at the token's expiry plus the 1 s grace
            int end;
            try {
                do {
                    end = in.read(buffer);
                } while (end > 0);
            } catch (java.net.SocketException e) {
                end = -1;
            }
            assertThat(end).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
        dev.sluice.testing.Eventually.await(() -> assertThat(sluice.audit(AuditQuery.all().withSubject("agent-brief")
                .withKind("session.end"))).anySatisfy(r -> assertThat(r.toString()).contains("token expired")));
    }

    @Test
    void aHeldPostIsAnswered202WithItsApprovalIdAndOnlyItsIdenticalRetryByTheSameCallerRunsOnceApproved()
            throws Exception {
        String agent = sluice.token("agent-held", "agents");
        String otherAgent = sluice.token("agent-other", "agents");
        String body = "{\"refund\":1,\"amount\":5}";
        Cli.Result first = postUpload(agent, body);
        assertThat(first.stdout()).as(first.stderr()).startsWith("HTTP/1.1 202 Accepted")
                .containsIgnoringCase("Retry-After: 5").contains("\"state\":\"pending\"");
        String id = approvalId(first.stdout());
        assertThat(first.stdout()).contains("X-Sluice-Approval: " + id).contains("finance");

        // while pending: the same request names the same approval; another caller's identical one is its own
        assertThat(approvalId(postUpload(agent, body).stdout())).isEqualTo(id);
        assertThat(approvalId(postUpload(otherAgent, body).stdout())).isNotEqualTo(id);
        assertThat(postedUploads()).isEmpty();

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> approved = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + sluice.gateway().httpPort() + "/api/approvals/" + id + "/approve"))
                .header("Authorization", "Bearer " + sluice.token("fin-carol", "finance"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);

        // approved: a different body, another caller, or an extra header is another request, never forwarded
        Cli.Result otherBody = postUpload(agent, "{\"refund\":1,\"amount\":5000}");
        assertThat(approvalId(otherBody.stdout())).isNotEqualTo(id);
        assertThat(approvalId(postUpload(otherAgent, body).stdout())).isNotEqualTo(id);
        assertThat(approvalId(postUpload(agent, body, "-H", "X-Dry-Run: false").stdout())).isNotEqualTo(id);
        assertThat(postedUploads()).isEmpty();

        // the identical retry runs, exactly as asked for, once
        Cli.Result retry = postUpload(agent, body);
        assertThat(retry.stdout()).startsWith("HTTP/1.1 200").endsWith(body.length() + " "
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(
                java.nio.charset.StandardCharsets.UTF_8))));
        Cli.Result replay = postUpload(agent, body);
        assertThat(replay.stdout()).startsWith("HTTP/1.1 202");
        assertThat(approvalId(replay.stdout())).isNotEqualTo(id);
        assertThat(postedUploads()).hasSize(1);

        List<AuditRecord> trail = sluice.audit(AuditQuery.all().withSubject("agent-held"));
        assertThat(trail).filteredOn(r -> r.kind().equals("command") && r.statement().equals("POST /upload"))
                .extracting(AuditRecord::verdict).containsExactly("hold", "hold", "hold", "hold", "allow", "hold");
        assertThat(trail).filteredOn(r -> r.kind().equals("approval.executed")).hasSize(1);
        assertThat(trail).filteredOn(r -> r.kind().equals("command.result")).extracting(r -> r.details().get("tag"))
                .contains("HTTP 202", "HTTP 200");
    }

    private static Cli.Result postUpload(String token, String body, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("-i", "-H", "Authorization: Bearer " + token, "-H",
                "Content-Type: application/json", "--data-binary", body));
        args.addAll(List.of(extra));
        args.add(sluice.url() + "/http/billing/upload");
        return sluice.curl(args.toArray(String[]::new));
    }

    private static String approvalId(String answer) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"approval_id\":\"(ap-[0-9a-f]+)\"")
                .matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return m.group(1);
    }

    private static List<HttpUpstream.Seen> postedUploads() {
        return upstream.requests().stream().filter(r -> r.method().equals("POST") && r.uri().equals("/upload"))
                .toList();
    }
}
