package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.testing.Cli;
import dev.sluice.testing.KubeApiServer;

/**
 * Attacks on the HTTPS proxy by a caller holding a valid token: path and encoding tricks, method overrides, request
 * smuggling, header injection, Host spoofing, oversized heads and bodies, bad tokens, and Kubernetes requests that
 * reach exec, tokens and RBAC by side doors. Each checks what the client got, what the upstream received (the
 * Kubernetes mock's objects and request log; the HTTP service's request log) and the audit trail. The cluster is
 * fabric8's mock (no kube-apiserver can run here).
 */
class ProxyAttacksE2ETest {
    private static KubeApiServer cluster;
    private static NamespacedKubernetesClient direct;
    private static HttpUpstream service;
    private static ProxyHarness sluice;
    private static String agent;

    @BeforeAll
    static void start() throws IOException {
        cluster = KubeApiServer.start();
        direct = cluster.client();
        service = HttpUpstream.start();
        Path tokenFile = Files.createTempFile("k8s-token", "");
        Files.writeString(tokenFile, "sa-token\n");
        sluice = ProxyHarness.start(oidc -> """
                https:
                  max-kube-body-bytes: 65536
                  max-header-bytes: 16384
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
                policies:
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
                  - name: agents-no-new-secrets
                    connections: [prod-k8s]
                    groups: [agents]
                    deny:
                      resources: [secrets]
                      kinds: [CREATE]
                  - name: agents-no-namespace-deletes
                    connections: [prod-k8s]
                    deny:
                      resources: [namespaces]
                      kinds: [DELETE]
                  - name: no-admin
                    connections: [billing]
                    deny:
                      paths: ["/admin", "/admin/**"]
                """.formatted(cluster.url(), tokenFile, service.url()));
        agent = sluice.token("mallory", "agents");
        direct.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("x").endContainer().endSpec().build())
                .create();
        direct.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("db")
                .endMetadata().addToData("password", "aHVudGVyMg==").build()).create();
    }

    @AfterAll
    static void stop() {
        sluice.close();
        direct.close();
        cluster.close();
        service.close();
    }

    /** {@link ProxyHarness#raw} with {@code TOKEN} replaced by the agent's token. */
    private static String raw(String request) throws Exception {
        return sluice.raw(request.replace("TOKEN", agent));
    }

    /** What the cluster received from Sluice (the test's own direct client left out). */
    private static List<KubeApiServer.Seen> viaSluice() {
        return cluster.requests().stream().filter(seen -> !seen.header("User-Agent").orElse("")
                .startsWith("fabric8")).toList();
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

    @Test
    void pathTricksAreRefusedBeforeAnythingIsForwarded() {
        cluster.forgetRequests();
        for (String path : List.of("/k8s/prod-k8s/api/v1/namespaces/default/secrets/../pods",
                "/k8s/prod-k8s/api/v1/namespaces/default/pods/./web", "/k8s/prod-k8s/api/v1//namespaces/default/pods",
                "/k8s/prod-k8s/api/v1/namespaces/default/secrets%2Fdb", "/k8s/prod-k8s/api/v1/namespaces%252Fx/pods",
                "/k8s/prod-k8s/api/v1/namespaces/default/pods/web/%2e%2e/exec", "/k8s/prod-k8s/api/v1/..;/secrets",
                "/k8s/prod-k8s/api/v1/namespaces/default/Secrets/db", "/k8s/prod-k8s/api/V1/secrets",
                "/k8s/prod-k8s/api/v1/namespaces/default/pods/web/EXEC?command=sh")) {
            Cli.Result result = curl("--path-as-is", sluice.url() + path);
            assertThat(result.stdout()).as(path).endsWith("400");
            assertThat(result.stdout()).as(path).contains("\"kind\":\"Status\"");
        }
        assertThat(curl(sluice.url() + "/K8S/prod-k8s/api/v1/pods").stdout()).endsWith("404");
        assertThat(curl(sluice.url() + "/k8s/pr%6Fd-k8s/api/v1/pods").stdout()).endsWith("400");
        assertThat(curl(sluice.url() + "/k8s/PROD-k8s/api/v1/pods").stdout()).endsWith("403");
        assertThat(viaSluice()).isEmpty();
    }

    @Test
    void methodOverridesAndForeignUpgradesAreRefused() {
        cluster.forgetRequests();
        for (String header : List.of("X-HTTP-Method-Override: DELETE", "X-HTTP-Method: DELETE",
                "X-Method-Override: DELETE")) {
            assertThat(curl("-H", header, sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/pods/web")
                    .stdout()).as(header).endsWith("400");
        }
        assertThat(curl("-X", "POST", sluice.url() + "/http/billing/v1/invoices?_method=DELETE").stdout())
                .contains("_method").endsWith("400");
        assertThat(curl("-X", "POST", sluice.url() + "/http/billing/v1/invoices?a=1&_MeThOd=DELETE").stdout())
                .endsWith("400");
        assertThat(curl("-X", "POST", sluice.url() + "/http/billing/v1/invoices?%5Fmethod=DELETE").stdout())
                .endsWith("400");
        assertThat(curl("-H", "Connection: Upgrade", "-H", "Upgrade: h2c",
                sluice.url() + "/k8s/prod-k8s/api/v1/pods").stdout()).contains("unknown protocol").endsWith("400");
        assertThat(viaSluice()).isEmpty();
        assertThat(direct.pods().inNamespace("default").withName("web").get()).isNotNull();
    }

    @Test
    void smugglingAndMalformedFramingAreRefusedAndNothingFollowsThem() throws Exception {
        service.forget();
        String teCl = raw("POST /http/billing/upload HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + "GET /http/billing/admin/users HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n\r\n");
        assertThat(teCl).startsWith("HTTP/1.1 400").contains("ambiguous framing").doesNotContain("admin area");
        String clCl = raw("POST /http/billing/upload HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "Content-Length: 4\r\nContent-Length: 40\r\n\r\nabcd");
        assertThat(clCl).startsWith("HTTP/1.1 400").contains("conflicting Content-Length");
        String teList = raw("POST /http/billing/upload HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n");
        assertThat(teList).startsWith("HTTP/1.1 501");
        String obsFold = raw("GET /http/billing/v1/invoices HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "X-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n");
        assertThat(obsFold).startsWith("HTTP/1.1 400").contains("folding");
        String spaceColon = raw("GET /http/billing/v1/invoices HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN"
                + "\r\nTransfer-Encoding : chunked\r\n\r\n");
        assertThat(spaceColon).startsWith("HTTP/1.1 400");
        assertThat(service.requests()).isEmpty();
        // A chunked body that turns malformed mid-way: the service sees a cut body, never a complete request.
        String badChunk = raw("POST /http/billing/upload HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nZZ\r\n");
        assertThat(badChunk).startsWith("HTTP/1.1 400").contains("chunk");
        assertThat(service.requests()).noneMatch(seen -> seen.uri().startsWith("/admin"));
    }

    @Test
    void headerInjectionAndHostSpoofingDoNotReachTheService() throws Exception {
        service.forget();
        String injected = raw("GET /http/billing/echo HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "X-Note: a\rX-Injected: b\r\n\r\n");
        assertThat(injected).startsWith("HTTP/1.1 400");
        String twoHosts = raw("GET /http/billing/echo HTTP/1.1\r\nHost: sluice\r\nHost: evil.example\r\n"
                + "Authorization: Bearer TOKEN\r\n\r\n");
        assertThat(twoHosts).startsWith("HTTP/1.1 400").contains("Host");
        String absolute = raw("GET http://evil.example/http/billing/echo HTTP/1.1\r\nHost: evil.example\r\n"
                + "Authorization: Bearer TOKEN\r\n\r\n");
        assertThat(absolute).startsWith("HTTP/1.1 400");
        assertThat(service.requests()).isEmpty();
        String spoofed = raw("GET /http/billing/echo HTTP/1.1\r\nHost: admin.internal\r\nAuthorization: Bearer TOKEN\r\n"
                + "X-Forwarded-Host: admin.internal\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: close\r\n\r\n");
        assertThat(spoofed).startsWith("HTTP/1.1 200");
        HttpUpstream.Seen seen = service.requests().getFirst();
        assertThat(seen.header("Host")).isEqualTo(service.url().substring("http://".length()));
        assertThat(seen.hasHeader("X-Forwarded-Host")).isFalse();
        assertThat(seen.hasHeader("X-Forwarded-For")).isFalse();
        assertThat(seen.hasHeader("Authorization")).isFalse();
        String twoTokens = raw("GET /http/billing/echo HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "Authorization: Bearer TOKEN\r\n\r\n");
        assertThat(twoTokens).startsWith("HTTP/1.1 401");
    }

    @Test
    void oversizedHeadsAndBodiesAreRefusedWithoutForwarding() throws Exception {
        cluster.forgetRequests();
        String bigHead = raw("GET /k8s/prod-k8s/api/v1/pods HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer TOKEN\r\n"
                + "X-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertThat(bigHead).startsWith("HTTP/1.1 431").contains("expected: <= 16384");
        String bigBody = raw("POST /k8s/prod-k8s/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: sluice\r\n"
                + "Authorization: Bearer TOKEN\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
        assertThat(bigBody).startsWith("HTTP/1.1 413").contains("expected: <= 65536");
        Path chunk = Files.createTempFile(sluice.dir(), "big", ".json");
        Files.writeString(chunk, "{\"data\":\"" + "x".repeat(70_000) + "\"}");
        Cli.Result chunked = curl("-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/json",
                "--data-binary", "@" + chunk, sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/configmaps");
        assertThat(chunked.stdout()).endsWith("413");
        assertThat(direct.configMaps().inNamespace("default").list().getItems()).isEmpty();
        assertThat(cluster.requests()).noneMatch(seen -> seen.method().equals("POST") && seen.path().contains("configmaps")
                && !seen.header("User-Agent").orElse("").startsWith("fabric8"));
    }

    @Test
    void badTokensAreRefusedAndAudited() {
        cluster.forgetRequests();
        String expired = sluice.oidc().userToken(ProxyHarness.ISSUER_ID, "mallory", ProxyHarness.AUDIENCE,
                List.of("agents"), Duration.ofSeconds(-120));
        String otherAudience = sluice.oidc().userToken(ProxyHarness.ISSUER_ID, "mallory", "other-service",
                List.of("agents"), Duration.ofMinutes(5));
        String[] parts = agent.split("\\.");
        String tampered = parts[0] + "." + parts[1] + "x." + parts[2];
        for (String token : List.of(expired, otherAudience, tampered, "", "Basic YTpi")) {
            Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token,
                    sluice.url() + "/k8s/prod-k8s/api/v1/pods");
            assertThat(result.stdout()).endsWith("401");
        }
        Cli.Result basic = sluice.curl("-w", "\n%{http_code}", "-u", "mallory:pw",
                sluice.url() + "/k8s/prod-k8s/api/v1/pods");
        assertThat(basic.stdout()).endsWith("401");
        assertThat(viaSluice()).isEmpty();
        assertThat(sluice.audit(AuditQuery.all().withKind("auth.failure"))).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void execTokensAndRbacThroughSideDoorsAreDenied() {
        cluster.forgetRequests();
        String ns = sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default";
        for (String[] request : List.of(
                new String[] {"POST", ns + "/pods/web/attach?stdout=true"},
                new String[] {"GET", ns + "/pods/web/exec?command=sh"},
                new String[] {"PATCH", ns + "/pods/web/ephemeralcontainers"},
                new String[] {"POST", ns + "/pods/web/portforward?ports=5432"},
                new String[] {"GET", sluice.url() + "/k8s/prod-k8s/api/v1/nodes/node-1/proxy/metrics"},
                new String[] {"GET", ns + "/services/db:5432/proxy/"},
                new String[] {"GET", sluice.url() + "/k8s/prod-k8s/api/v1/proxy/namespaces/default/pods/web"},
                new String[] {"POST", ns + "/serviceaccounts/default/token"},
                new String[] {"POST", sluice.url()
                        + "/k8s/prod-k8s/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"},
                new String[] {"PUT", sluice.url()
                        + "/k8s/prod-k8s/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/r"})) {
            Cli.Result result = curl("-X", request[0], "-H", "Content-Type: application/json", "--data", "{}",
                    request[1]);
            assertThat(result.stdout()).as(request[1]).contains("agents-nothing-dangerous").endsWith("403");
        }
        assertThat(viaSluice()).isEmpty();
    }

    @Test
    void bulkDeletesDryRunsAndApplyPatchesAreJudgedAsWhatTheyDo() {
        cluster.forgetRequests();
        String pods = sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/pods";
        assertThat(curl("-X", "DELETE", pods).stdout()).contains("agents-no-bulk-deletes").endsWith("403");
        assertThat(curl("-X", "DELETE", pods + "?labelSelector=app%3Dweb").stdout()).endsWith("403");
        assertThat(direct.pods().inNamespace("default").withName("web").get()).isNotNull();
        assertThat(curl("-X", "DELETE", sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default?dryRun=All")
                .stdout()).contains("agents-no-namespace-deletes").endsWith("403");
        String apply = curl("-X", "PATCH", "-H", "Content-Type: application/apply-patch+yaml", "--data",
                "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"new\"}}",
                sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/secrets/new?fieldManager=x").stdout();
        assertThat(apply).contains("agents-no-new-secrets").endsWith("403");
        assertThat(viaSluice()).isEmpty();
        assertThat(sluice.audit(AuditQuery.all().withSubject("mallory"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("deletecollection pods -n default");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void secretsStayMaskedThroughWatchesFieldSelectorsAndTables() {
        String secrets = sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/secrets";
        for (Cli.Result result : List.of(curl(secrets + "?watch=1"), curl(secrets + "?fieldSelector=metadata.name%3Ddb"),
                curl(secrets + "/db"), curl("-H", "Accept: application/json;as=Table;v=v1;g=meta.k8s.io", secrets),
                curl("-H", "Accept: application/vnd.kubernetes.protobuf", secrets + "/db"),
                curl("-H", "Accept-Encoding: gzip", "--compressed", secrets + "/db"))) {
            assertThat(result.stdout()).contains("KioqKioqKio=").doesNotContain("aHVudGVyMg==").endsWith("200");
        }
    }

    @Test
    void podSpecsThatLeaveTheContainerAreDeniedFromTheirBodyInEverySpellingAndAPlainPodIsNot() throws Exception {
        cluster.forgetRequests();
        String pods = sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/pods";
        String deployments = sluice.url() + "/k8s/prod-k8s/apis/apps/v1/namespaces/default/deployments";
        String privileged = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"root\"},\"spec\":"
                + "{\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"securityContext\":{\"privileged\":true}}]}}";
        Path chunkedBody = Files.createTempFile(sluice.dir(), "privileged", ".json");
        Files.writeString(chunkedBody, privileged);
        for (String[] attack : List.of(
                new String[] {"POST", pods, "application/json", privileged},
                new String[] {"POST", deployments, "application/json", "{\"apiVersion\":\"apps/v1\",\"kind\":"
                        + "\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"template\":{\"spec\":"
                        + "{\"volumes\":[{\"name\":\"root\",\"hostPath\":{\"path\":\"/\"}}]}}}}"},
                new String[] {"PATCH", pods + "/web", "application/merge-patch+json",
                        "{\"spec\":{\"hostNetwork\":true}}"},
                new String[] {"PATCH", pods + "/web", "application/strategic-merge-patch+json",
                        "{\"spec\":{\"HostPID\":true}}"},
                new String[] {"PATCH", pods + "/web", "application/json-patch+json",
                        "[{\"op\":\"add\",\"path\":\"/spec/hostIPC\",\"value\":true}]"},
                new String[] {"PATCH", pods + "/web", "application/json-patch+json",
                        "[{\"op\":\"add\",\"path\":\"/spec/volumes/-\",\"value\":{\"name\":\"h\","
                                + "\"hostPath\":{\"path\":\"/etc\"}}}]"},
                new String[] {"PATCH", pods + "/web", "application/merge-patch+json",
                        "{\"spec\":{\"host\\u004eetwork\":true}}"},
                new String[] {"PATCH", pods + "/web?fieldManager=x", "application/apply-patch+yaml",
                        "spec:\n  hostNetwork: true\n"})) {
            Cli.Result result = curl("-X", attack[0], "-H", "Content-Type: " + attack[2], "--data-binary", attack[3],
                    attack[1]);
            assertThat(result.stdout()).as(attack[3]).contains("agents-nothing-dangerous").endsWith("403");
        }
        Cli.Result chunked = curl("-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/json",
                "--data-binary", "@" + chunkedBody, pods);
        assertThat(chunked.stdout()).contains("agents-nothing-dangerous").endsWith("403");
        assertThat(viaSluice()).isEmpty();
        assertThat(direct.pods().inNamespace("default").withName("root").get()).isNull();
        assertThat(direct.apps().deployments().inNamespace("default").withName("d").get()).isNull();
        assertThat(direct.pods().inNamespace("default").withName("web").get().getSpec().getHostNetwork()).isNull();

        // the same pod without the escape, and one that says privileged: false, are created
        Cli.Result plain = curl("-H", "Content-Type: application/json", "--data-binary",
                privileged.replace("\"root\"", "\"plain\"").replace("true", "false"), pods);
        assertThat(plain.stdout()).endsWith("201");
        assertThat(direct.pods().inNamespace("default").withName("plain").get()).isNotNull();
        assertThat(sluice.audit(AuditQuery.all().withSubject("mallory"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("create pods -n default (v1)  {body: privileged}");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void sluicesOwnSecretMaskIsNeverWrittenBackIntoASecret() {
        cluster.forgetRequests();
        String secret = sluice.url() + "/k8s/prod-k8s/api/v1/namespaces/default/secrets/db";
        for (String patch : List.of("{\"data\":{\"password\":\"KioqKioqKio=\"}}",
                "{\"stringData\":{\"password\":\"********\"}}")) {
            Cli.Result result = curl("-X", "PATCH", "-H", "Content-Type: application/merge-patch+json",
                    "--data-binary", patch, secret);
            assertThat(result.stdout()).as(patch).contains("Sluice's mask").endsWith("403");
        }
        assertThat(viaSluice()).isEmpty();
        assertThat(direct.secrets().inNamespace("default").withName("db").get().getData())
                .containsEntry("password", "aHVudGVyMg==");
        assertThat(sluice.audit(AuditQuery.all().withSubject("mallory"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("patch secrets db -n default");
            assertThat(r.verdict()).isEqualTo("deny");
            assertThat(r.error()).contains("mask");
        });
    }
}
