package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.testing.Cli;
import dev.sluice.testing.KubeApiServer;

/**
 * Red-team attacks on the HTTPS proxy by an agent holding a valid token, beyond {@link ProxyAttacksE2ETest}: headers
 * that make a framework behind Sluice route another path or trust another identity ({@code X-Original-URL},
 * {@code X-Rewrite-URL}, {@code X-Forwarded-User}/{@code -Uri}/...), a second request pipelined behind an allowed one
 * (HTTP/1.1 and HTTP/1.0 keep-alive), a body sent after {@code Expect: 100-continue} on a denied path, a WebSocket
 * upgrade the service does not take followed by a raw request ("WebSocket smuggling"), and a Kubernetes JSON Patch
 * that copies or moves a Secret's data into an annotation (out of the masked members) or tests it as an oracle. Each
 * checks the client's answer, what the upstream received (the HTTP service's log, the Kubernetes mock's objects) and
 * the audit trail; also a denied path in another letter case for a service that routes ignoring case, and
 * {@code exec}, {@code attach}, {@code proxy} and bulk deletes in other spellings (a trailing
 * slash, percent-encoded letters, the {@code /watch/} prefix, {@code dryRun}). The cluster is fabric8's mock in CRUD mode (no kube-apiserver can run here); it applies JSON Patch
 * as the API server does.
 */
class HttpRedTeamE2ETest {
    private static KubeApiServer cluster;
    private static NamespacedKubernetesClient direct;
    private static HttpUpstream service;
    private static ProxyHarness sluice;
    /** A service that routes paths ignoring case, as IIS and ASP.NET Core do; its request log. */
    private static com.sun.net.httpserver.HttpServer anyCase;
    private static final java.util.Queue<String> anyCaseSeen = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static String agent;

    @BeforeAll
    static void start() throws IOException {
        cluster = KubeApiServer.start();
        direct = cluster.client();
        service = HttpUpstream.start();
        anyCase = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(
                java.net.InetAddress.getLoopbackAddress(), 0), 16);
        anyCase.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                anyCaseSeen.add(path);
                byte[] body = (path.toLowerCase(java.util.Locale.ROOT).startsWith("/admin") ? "admin area\n"
                        : "public\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        anyCase.start();
        Path tokenFile = Files.createTempFile("k8s-token", "");
        Files.writeString(tokenFile, "sa-token\n");
        sluice = ProxyHarness.start(oidc -> """
                connections:
                  - name: prod-k8s
                    type: kubernetes
                    address: %s
                    token: ${file:%s}
                    allow: {groups: [agents]}
                  - name: billing
                    type: http
                    address: %s
                    allow: {groups: [agents]}
                  - name: ci-app
                    type: http
                    address: http://127.0.0.1:%d
                    allow: {groups: [agents]}
                policies:
                  - name: ci-app-no-admin
                    connections: [ci-app]
                    deny:
                      paths: ["/admin", "/admin/**"]
                  - name: agents-nothing-dangerous
                    connections: [prod-k8s]
                    groups: [agents]
                    deny:
                      resources: [dangerous]
                  - name: agents-no-bulk-deletes
                    connections: [prod-k8s]
                    groups: [agents]
                    deny:
                      kinds: [DELETECOLLECTION]
                  - name: no-admin
                    connections: [billing]
                    deny:
                      paths: ["/admin", "/admin/**"]
                """.formatted(cluster.url(), tokenFile, service.url(), anyCase.getAddress().getPort()));
        agent = sluice.token("eve", "agents");
        direct.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("db")
                .addToAnnotations("owner", "billing").endMetadata().addToData("password", "aHVudGVyMg==").build())
                .create();
    }

    @AfterAll
    static void stop() {
        sluice.close();
        direct.close();
        cluster.close();
        service.close();
        anyCase.stop(0);
    }

    @Test
    void headersThatRerouteAFrameworkAreRefusedAndForwardedIdentityHeadersNeverReachTheService() throws Exception {
        service.forget();
        // Symfony, IIS URL Rewrite and others route X-Original-URL / X-Rewrite-URL instead of the request line's path.
        for (String header : List.of("X-Original-URL: /admin/users", "x-rewrite-url: /admin/users",
                "X-Original-Uri: /admin/users")) {
            String answer = raw("GET /http/billing/echo HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                    + header + "\r\nConnection: close\r\n\r\n");
            assertThat(answer).as(header).startsWith("HTTP/1.1 400").contains("X-Sluice: refused")
                    .doesNotContain("admin area");
        }
        assertThat(service.requests()).isEmpty();

        // Identity and path headers a service trusts from its own proxy (oauth2-proxy, Traefik forward-auth, ...).
        String answer = raw("GET /http/billing/echo HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "X-Forwarded-User: admin\r\nX-Forwarded-Email: admin@example.com\r\nX-Forwarded-Groups: admins\r\n"
                + "X-Forwarded-Uri: /admin/users\r\nX-Forwarded-Path: /admin\r\nX-FORWARDED-SCHEME: https\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200");
        HttpUpstream.Seen seen = service.requests().getFirst();
        assertThat(seen.uri()).isEqualTo("/echo");
        assertThat(seen.headers().keySet()).noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT)
                .startsWith("x-forwarded-"));
        assertThat(answer).doesNotContainIgnoringCase("x-forwarded");
        assertThat(sluice.audit(AuditQuery.all().withSubject("eve"))).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("GET /echo");
            assertThat(r.verdict()).isEqualTo("allow");
        });
    }

    @Test
    void aDeniedPathInAnotherLetterCaseIsDeniedForAServiceThatRoutesIgnoringCase() throws Exception {
        // The stand-in runs /ADMIN as /admin (asked directly, without Sluice): a deny on /admin must cover it.
        try (InputStream direct = java.net.URI.create("http://127.0.0.1:" + anyCase.getAddress().getPort()
                + "/ADMIN/users").toURL().openStream()) {
            assertThat(new String(direct.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("admin area\n");
        }
        anyCaseSeen.clear();
        for (String path : List.of("/ADMIN/users", "/Admin/users", "/aDmIn", "/admin/users")) {
            Cli.Result result = curl(sluice.url() + "/http/ci-app" + path);
            assertThat(result.stdout()).as(path).contains("ci-app-no-admin").doesNotContain("admin area")
                    .endsWith("403");
        }
        assertThat(anyCaseSeen).isEmpty();
        assertThat(curl(sluice.url() + "/http/ci-app/Public").stdout()).isEqualTo("public\n\n200");
        assertThat(anyCaseSeen).containsExactly("/Public");
        assertThat(sluice.audit(AuditQuery.all().withSubject("eve"))).anySatisfy(r -> {
            assertThat(r.statement()).isEqualTo("GET /ADMIN/users");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void aDeniedRequestPipelinedBehindAnAllowedOneIsJudgedAndNeverForwarded() throws Exception {
        service.forget();
        String denied = "GET /http/billing/admin/users HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "Connection: close\r\n\r\n";
        String pipelined = raw("GET /http/billing/v1/invoices HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN"
                + "\r\n\r\n" + denied);
        assertThat(pipelined).startsWith("HTTP/1.1 200").contains("HTTP/1.1 403").contains("no-admin")
                .doesNotContain("admin area");
        String http10 = raw("GET /http/billing/v1/invoices HTTP/1.0\r\nConnection: keep-alive\r\n"
                + "Authorization: Bearer TOKEN\r\n\r\nGET /http/billing/admin/users HTTP/1.0\r\n"
                + "Authorization: Bearer TOKEN\r\n\r\n");
        assertThat(http10).doesNotContain("admin area");
        // A body sent after Expect: 100-continue on a denied path is never read as a request, nor forwarded.
        String inner = "GET /http/billing/admin/users HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n\r\n";
        String expect = raw("POST /http/billing/admin/users HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN"
                + "\r\nExpect: 100-continue\r\nContent-Length: " + inner.length() + "\r\n\r\n" + inner);
        assertThat(expect).startsWith("HTTP/1.1 403").doesNotContain("100 Continue").doesNotContain("admin area");
        assertThat(service.requests()).extracting(HttpUpstream.Seen::uri).contains("/v1/invoices")
                .noneMatch(uri -> uri.startsWith("/admin"));
        assertThat(sluice.audit(AuditQuery.all().withSubject("eve"))).filteredOn(r -> r.statement()
                .startsWith("GET /admin")).isNotEmpty().allSatisfy(r -> assertThat(r.verdict()).isEqualTo("deny"));
    }

    @Test
    void aWebSocketUpgradeTheServiceDeclinesDoesNotOpenAnUnjudgedTunnel() throws Exception {
        service.forget();
        // The service answers 200, not 101: a proxy that switched to a raw tunnel on the request alone would pass
        // the next bytes (a request for /admin) to the service unjudged.
        String answer = raw("GET /http/billing/echo HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 1337\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                + "GET /admin/users HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                + "GET /http/billing/admin/users HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200").doesNotContain("admin area");
        assertThat(service.requests()).extracting(HttpUpstream.Seen::uri).containsExactly("/echo");
        // A WebSocket upgrade on a denied path is judged as the request it is.
        String upgradeDenied = raw("GET /http/billing/admin/ws HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer "
                + "TOKEN\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(upgradeDenied).startsWith("HTTP/1.1 403").contains("no-admin");
        assertThat(service.requests()).extracting(HttpUpstream.Seen::uri).containsExactly("/echo");
    }

    @Test
    void aJsonPatchCannotCopyMoveOrTestASecretsDataOutsideTheMaskedMembers() {
        cluster.forgetRequests();
        String secret = sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/secrets/db";
        for (String patch : List.of(
                "[{\"op\":\"copy\",\"from\":\"/data/password\",\"path\":\"/metadata/annotations/leak\"}]",
                "[{\"op\":\"move\",\"from\":\"/data/password\",\"path\":\"/metadata/annotations/leak\"}]",
                "[{\"op\":\"copy\",\"from\":\"/d\\u0061ta\",\"path\":\"/metadata/annotations/leak\"}]",
                "[{\"path\":\"/metadata/annotations/leak\",\"from\":\"/stringData/password\",\"op\":\"copy\"}]",
                "[{\"op\":\"test\",\"path\":\"/data/password\",\"value\":\"aHVudGVyMg==\"}]",
                "[{\"op\":\"copy\",\"from\":\"/data\",\"path\":\"/metadata/annotations/leak\"}]")) {
            for (String query : List.of("", "?dryRun=All")) {
                Cli.Result result = curl("-X", "PATCH", "-H", "Content-Type: application/json-patch+json",
                        "--data-binary", patch, secret + query);
                assertThat(result.stdout()).as(patch + query).doesNotContain("aHVudGVyMg==").contains("Secret")
                        .endsWith("403");
            }
        }
        assertThat(cluster.requests()).noneMatch(seen -> seen.method().equals("PATCH")
                && !seen.header("User-Agent").orElse("").startsWith("fabric8"));
        assertThat(direct.secrets().inNamespace("default").withName("db").get().getMetadata().getAnnotations())
                .containsExactly(Map.entry("owner", "billing"));
        assertThat(direct.secrets().inNamespace("default").withName("db").get().getData())
                .containsEntry("password", "aHVudGVyMg==");
        assertThat(sluice.audit(AuditQuery.all().withSubject("eve"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("patch secrets db -n default");
            assertThat(r.verdict()).isEqualTo("deny");
        });

        // An ordinary JSON Patch of a Secret's metadata still goes through, and its answer is masked.
        Cli.Result label = curl("-X", "PATCH", "-H", "Content-Type: application/json-patch+json", "--data-binary",
                "[{\"op\":\"add\",\"path\":\"/metadata/annotations/team\",\"value\":\"payments\"}]", secret);
        // (the mock answers a patch 202, the API server 200)
        assertThat(label.stdout()).contains("KioqKioqKio=").doesNotContain("aHVudGVyMg==").containsPattern("20[02]$");
        assertThat(direct.secrets().inNamespace("default").withName("db").get().getMetadata().getAnnotations())
                .containsEntry("team", "payments");
        // ... and so is every other way of reading it: all namespaces, a merge patch's answer.
        for (Cli.Result read : List.of(curl(sluice.url() + "/k8s/prod-k8s/api/v1/secrets"),
                curl("-X", "PATCH", "-H", "Content-Type: application/merge-patch+json", "--data-binary",
                        "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", secret))) {
            assertThat(read.stdout()).contains("KioqKioqKio=").doesNotContain("aHVudGVyMg==")
                    .containsPattern("20[02]$");
        }
    }

    @Test
    void execAndBulkDeletesSpelledDifferentlyAreJudgedAsWhatTheApiServerRuns() {
        cluster.forgetRequests();
        String pod = sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/pods/web";
        for (String[] request : List.of(new String[] {"POST", pod + "/exec/?command=id&stdout=true"},
                new String[] {"GET", pod + "/%65xec?command=id"}, new String[] {"GET", pod + "/ex%65c?command=id"},
                new String[] {"POST", pod + "/%61ttach?stdout=true"},
                new String[] {"GET", sluice.url() + "/k8s/prod-k8s/api/v1/watch/namespaces/default/pods/web/exec"},
                new String[] {"POST", pod + "/exec?command=id&dryRun=All"},
                new String[] {"GET", sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/pods/web:8080/proxy/"},
                new String[] {"DELETE", sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/pods/"},
                new String[] {"DELETE", sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/pod%73"})) {
            Cli.Result result = curl("--path-as-is", "-X", request[0], request[1]);
            assertThat(result.stdout()).as(request[0] + " " + request[1]).endsWith("403")
                    .containsAnyOf("agents-nothing-dangerous", "agents-no-bulk-deletes");
        }
        assertThat(cluster.requests()).noneMatch(seen -> !seen.header("User-Agent").orElse("").startsWith("fabric8"));
        assertThat(sluice.audit(AuditQuery.all().withSubject("eve"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("exec pods/exec web -n default");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    private static Cli.Result curl(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "-w";
        all[1] = "\n%{http_code}";
        all[2] = "-H";
        all[3] = "Authorization: Bearer " + agent;
        System.arraycopy(args, 0, all, 4, args.length);
        return sluice.curl(all);
    }

    /** {@link ProxyHarness#raw} with {@code TOKEN} replaced by the agent's token. */
    private static String raw(String request) throws Exception {
        return sluice.raw(request.replace("TOKEN", agent));
    }
}
