package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;
import dev.sluice.testing.KubeApiServer;

/**
 * Real kubectl through Sluice. No kube-apiserver can run on this machine, so the cluster is fabric8's Kubernetes mock
 * in CRUD mode with a discovery and {@code as=Table} responder ({@link KubeApiServer}); kubectl exec, which the mock
 * cannot serve, goes to a stand-in speaking {@code v5.channel.k8s.io} ({@link WebSocketStandIn}) through a second
 * connection. Every test checks the cluster afterwards (through a direct client), what the upstream received, and
 * the audit trail.
 */
class KubernetesE2ETest {
    private static final String SA_TOKEN = "sa-token-for-the-cluster";
    private static KubeApiServer cluster;
    private static WebSocketStandIn execServer;
    private static ProxyHarness sluice;
    private static NamespacedKubernetesClient direct;

    @BeforeAll
    static void start() throws IOException {
        cluster = KubeApiServer.start();
        execServer = WebSocketStandIn.start();
        direct = cluster.client();
        Path tokenFile = Files.createTempFile("k8s-token", "");
        Files.writeString(tokenFile, SA_TOKEN + "\n");
        sluice = ProxyHarness.start(oidc -> """
                connections:
                  - name: prod-k8s
                    type: kubernetes
                    address: %s
                    token: ${file:%s}
                    impersonate: false
                    allow: {groups: [sre, agents]}
                  - name: exec-k8s
                    type: kubernetes
                    address: %s
                    token: ${file:%s}
                    impersonate: true
                    allow: {groups: [agents]}
                policies:
                  - name: never-delete-namespaces
                    connections: [prod-k8s]
                    deny:
                      resources: [namespaces]
                      kinds: [DELETE, DELETECOLLECTION]
                  - name: agents-no-rm
                    connections: [exec-k8s]
                    deny:
                      commands: [rm]
                  - name: agents-no-host-escapes
                    connections: [prod-k8s]
                    groups: [agents]
                    deny:
                      resources: ["pods/privileged", "*/hostpath"]
                  - name: pod-deletes-need-sre
                    connections: [prod-k8s]
                    groups: [agents]
                    require-approval:
                      resources: [pods]
                      kinds: [DELETE]
                      approvers: [sre]
                      expires: 2m
                      respond: accepted   # kubectl would read a 202 as done: Kubernetes requests wait anyway
                  - name: secret-writes-need-sre
                    connections: [prod-k8s]
                    groups: [secret-writers]
                    require-approval:
                      resources: [secrets]
                      kinds: [CREATE]
                      approvers: [sre]
                      expires: 2m
                  - name: pod-creates-need-sre
                    connections: [prod-k8s]
                    groups: [pod-creators]
                    require-approval:
                      resources: [pods]
                      kinds: [CREATE]
                      approvers: [sre]
                      expires: 2m
                masking:
                  - name: pod-env
                    connections: [prod-k8s]
                    detectors: [email]
                    columns: {"pods.value": redact}
                """.formatted(cluster.url(), tokenFile, execServer.url(), tokenFile));
    }

    @AfterAll
    static void stop() throws IOException {
        sluice.close();
        direct.close();
        cluster.close();
        execServer.close();
    }

    private static Map<String, String> kubeconfig(String connection, String token) {
        return Kubectl.kubeconfig(sluice, connection, token);
    }

    private static Cli.Result kubectl(Map<String, String> env, String... args) {
        return Kubectl.run(env, args);
    }

    private static Map<String, String> sre() {
        return kubeconfig("prod-k8s", sluice.token("sre-ann", "sre"));
    }

    @Test
    void kubectlAppliesListsLabelsAndDeletesPodsWithTheClusterCredentialInjected() throws IOException {
        cluster.forgetRequests();
        String token = sluice.token("sre-ann", "sre");
        Map<String, String> env = kubeconfig("prod-k8s", token);
        Path pod = Files.createTempFile(sluice.dir(), "pod", ".yaml");
        Files.writeString(pod, """
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: default, labels: {app: web}}
                spec: {containers: [{name: c, image: nginx}]}
                """);
        Cli.Result apply = kubectl(env, "apply", "--validate=false", "-f", pod.toString());
        assertThat(apply.exitCode()).as(apply.stderr()).isZero();
        Cli.Result label = kubectl(env, "label", "pod", "web", "env=prod");
        assertThat(label.exitCode()).as(label.stderr()).isZero();
        Cli.Result list = kubectl(env, "get", "pods", "-l", "env=prod");
        assertThat(list.exitCode()).as(list.stderr()).isZero();
        assertThat(list.stdout()).contains("web");
        assertThat(direct.pods().inNamespace("default").withName("web").get().getMetadata().getLabels())
                .containsEntry("env", "prod");
        Cli.Result delete = kubectl(env, "delete", "pod", "web");
        assertThat(delete.exitCode()).as(delete.stderr()).isZero();
        assertThat(direct.pods().inNamespace("default").withName("web").get()).isNull();
        List<KubeApiServer.Seen> viaSluice = cluster.requests().stream()
                .filter(seen -> !seen.header("User-Agent").orElse("").startsWith("fabric8")).toList();
        assertThat(viaSluice).isNotEmpty().allSatisfy(seen -> {
            assertThat(seen.header("Authorization")).contains("Bearer " + SA_TOKEN);
            assertThat(seen.headers().toString()).doesNotContain(token);
        });
        List<AuditRecord> trail = sluice.audit(AuditQuery.all().withSubject("sre-ann"));
        assertThat(trail).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("delete pods web -n default (v1)");
            assertThat(r.verdict()).isEqualTo("allow");
        });
        assertThat(trail).anySatisfy(r -> assertThat(r.statement()).contains("(kubectl label)"));
        assertThat(trail.toString()).doesNotContain(token).doesNotContain(SA_TOKEN);
    }

    @Test
    void secretValuesAreMaskedInYamlJsonAndTheTable() {
        direct.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("db")
                .endMetadata().addToData("password", "aHVudGVyMg==").addToStringData("token", "plain-s3cret")
                .build()).create();
        Map<String, String> env = sre();
        Cli.Result yaml = kubectl(env, "get", "secret", "db", "-o", "yaml");
        assertThat(yaml.exitCode()).as(yaml.stderr()).isZero();
        assertThat(yaml.stdout()).contains("name: db").contains("password: KioqKioqKio=")
                .doesNotContain("aHVudGVyMg==").doesNotContain("plain-s3cret");
        Cli.Result json = kubectl(env, "get", "secret", "db", "-o", "json");
        assertThat(json.exitCode()).as(json.stderr()).isZero();
        assertThat(json.stdout()).contains("\"password\": \"KioqKioqKio=\"").doesNotContain("aHVudGVyMg==");
        Cli.Result table = kubectl(env, "get", "secrets");
        assertThat(table.exitCode()).as(table.stderr()).isZero();
        assertThat(table.stdout()).contains("db").doesNotContain("aHVudGVyMg==");
        Cli.Result jsonList = kubectl(env, "get", "secrets", "-o", "json");
        assertThat(jsonList.stdout()).contains("KioqKioqKio=").doesNotContain("aHVudGVyMg==");
        Cli.Result watch = kubectl(env, "get", "secrets", "--watch-only", "-o", "json", "--request-timeout=5s");
        assertThat(watch.stdout() + watch.stderr()).doesNotContain("aHVudGVyMg==");
        // The cluster still holds the real value: masking changed only what the caller saw.
        assertThat(direct.secrets().inNamespace("default").withName("db").get().getData())
                .containsEntry("password", "aHVudGVyMg==");
    }

    @Test
    void deletingANamespaceIsDeniedAndTheNamespaceStays() {
        direct.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("payments").endMetadata()
                .build()).create();
        Cli.Result delete = kubectl(sre(), "delete", "namespace", "payments");
        assertThat(delete.exitCode()).isNotZero();
        assertThat(delete.stderr()).contains("Forbidden").contains("never-delete-namespaces");
        assertThat(direct.namespaces().withName("payments").get()).isNotNull();
        assertThat(sluice.audit(AuditQuery.all().withSubject("sre-ann"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("delete namespaces payments");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void aHeldDeleteWaitsForAnSreAndThenRuns() throws Exception {
        direct.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("batch")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("x").endContainer().endSpec()
                .build()).create();
        Map<String, String> agent = kubeconfig("prod-k8s", sluice.token("agent-7", "agents"));
        CompletableFuture<Cli.Result> delete = CompletableFuture.supplyAsync(() -> kubectl(agent, "delete", "pod",
                "batch", "--wait=false"));
        String approver = sluice.token("sre-bob", "sre");
        HttpClient http = HttpClient.newHttpClient();
        String[] id = new String[1];
        Eventually.await(Duration.ofSeconds(30), () -> {
            try {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sluice.gateway().httpPort() + "/api/approvals?state=pending"))
                        .header("Authorization", "Bearer " + approver).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(list);
                assertThat(m.find()).as(list).isTrue();
                id[0] = m.group(1);
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(direct.pods().inNamespace("default").withName("batch").get()).isNotNull();
        assertThat(delete).isNotDone();
        HttpResponse<String> approved = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + sluice.gateway().httpPort() + "/api/approvals/" + id[0] + "/approve"))
                .header("Authorization", "Bearer " + approver).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        Cli.Result result = delete.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(direct.pods().inNamespace("default").withName("batch").get()).isNull();
        assertThat(sluice.audit(AuditQuery.all().withSubject("agent-7"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("delete pods batch");
            assertThat(r.verdict()).isEqualTo("hold");
        });
    }

    @Test
    void aHeldSecretCreateInProtobufIsNamedButNotShownToTheApproverAndNeverRunsWhenRejected() throws Exception {
        Map<String, String> agent = kubeconfig("prod-k8s", sluice.token("agent-secret", "sre", "secret-writers"));
        CompletableFuture<Cli.Result> create = CompletableFuture.supplyAsync(() -> kubectl(agent, "create", "secret",
                "generic", "held-db", "--from-literal=password=hunter2-held", "--from-literal=user=app"));
        String approver = sluice.token("sre-bob", "sre");
        HttpClient http = HttpClient.newHttpClient();
        com.fasterxml.jackson.databind.JsonNode[] held = new com.fasterxml.jackson.databind.JsonNode[1];
        Eventually.await(Duration.ofSeconds(30), () -> {
            try {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sluice.gateway().httpPort() + "/api/approvals?state=pending"))
                        .header("Authorization", "Bearer " + approver).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                var requests = new com.fasterxml.jackson.databind.ObjectMapper().readTree(list);
                held[0] = null;
                requests.forEach(r -> {
                    if (r.path("requester").path("subject").asText().equals("agent-secret")) {
                        held[0] = r;
                    }
                });
                assertThat(held[0]).as(list + (create.isDone() ? " kubectl: " + create.join().stdout()
                        + create.join().stderr() : "")).isNotNull();
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        var preview = held[0].path("preview");
        String encoded = java.util.Base64.getEncoder().encodeToString("hunter2-held".getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        // kubectl create sends built-in types as protobuf: a body Sluice cannot mask is not shown, only named and
        // sized (a JSON Secret body is shown with its values masked: RequestPreviewTest)
        assertThat(preview.path("content_type").asText()).isEqualTo("application/vnd.kubernetes.protobuf");
        assertThat(preview.path("body").asText()).isEmpty();
        assertThat(preview.path("note").asText()).contains("only as JSON");
        assertThat(preview.path("body_bytes").asLong()).isPositive();
        assertThat(preview.path("body_sha256").asText()).hasSize(64);
        assertThat(held[0].toString()).doesNotContain(encoded, "hunter2-held");
        assertThat(direct.secrets().inNamespace("default").withName("held-db").get()).isNull();
        // The approver, not shown the values, rejects it. (Approving would forward the protobuf body, which the
        // CRUD mock cannot read: the run of an approved Kubernetes request is aHeldDeleteWaitsForAnSreAndThenRuns.)
        HttpResponse<String> rejected = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + sluice.gateway().httpPort() + "/api/approvals/" + held[0].path("id").asText() + "/reject"))
                .header("Authorization", "Bearer " + approver).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\": \"values not reviewable\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(200);
        Cli.Result result = create.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("values not reviewable");
        assertThat(direct.secrets().inNamespace("default").withName("held-db").get()).isNull();
    }

    @Test
    void aHeldPodApplyShowsTheApproverAMaskedBodyAndRunsExactlyAsSentOnlyWhenApproved() throws Exception {
        Map<String, String> agent = kubeconfig("prod-k8s", sluice.token("agent-pods", "agents", "pod-creators"));
        String approver = sluice.token("sre-bob", "sre");
        // kubectl apply sends the pod as JSON, with a copy of it in the last-applied-configuration annotation
        Path approvedPod = podFile("held-web", "hunter2-pod", "ops-lead@corp.example");
        CompletableFuture<Cli.Result> apply = CompletableFuture.supplyAsync(() -> kubectl(agent, "apply",
                "--validate=false", "-f", approvedPod.toString()));
        JsonNode held = pendingOf("agent-pods", approver, apply);
        assertThat(held.path("statement").asText()).startsWith("create pods");
        JsonNode preview = held.path("preview");
        assertThat(preview.path("content_type").asText()).startsWith("application/json");
        assertThat(preview.path("body").asText()).contains("\"name\":\"held-web\"").contains("nginx:1.27")
                .contains("DB_PASSWORD").contains("OWNER");
        assertThat(preview.path("body_bytes").asLong()).isPositive();
        assertThat(preview.path("body_sha256").asText()).hasSize(64);
        // the env values are masked everywhere in what the approver sees, the annotation's copy included
        assertThat(held.toString()).doesNotContain("hunter2-pod", "ops-lead@corp.example", approver);
        assertThat(direct.pods().inNamespace("default").withName("held-web").get()).isNull();
        assertThat(apply).isNotDone();
        decide(held.path("id").asText(), "approve", approver, "");
        Cli.Result applied = apply.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(applied.exitCode()).as(applied.stderr()).isZero();
        assertThat(applied.stdout()).contains("pod/held-web created");
        // what runs is the body as sent, not the masked copy the approver saw
        io.fabric8.kubernetes.api.model.Pod created = direct.pods().inNamespace("default").withName("held-web").get();
        assertThat(created).isNotNull();
        assertThat(created.getSpec().getContainers().getFirst().getImage()).isEqualTo("nginx:1.27");
        assertThat(created.getSpec().getContainers().getFirst().getEnv()).extracting(e -> e.getName() + "="
                + e.getValue()).containsExactly("DB_PASSWORD=hunter2-pod", "OWNER=ops-lead@corp.example");
        assertThat(created.getMetadata().getAnnotations().get("kubectl.kubernetes.io/last-applied-configuration"))
                .contains("hunter2-pod").contains("ops-lead@corp.example");

        Path rejectedPod = podFile("held-miner", "hunter3-pod", "miner@corp.example");
        CompletableFuture<Cli.Result> rejectedApply = CompletableFuture.supplyAsync(() -> kubectl(agent, "apply",
                "--validate=false", "-f", rejectedPod.toString()));
        JsonNode second = pendingOf("agent-pods", approver, rejectedApply);
        assertThat(second.toString()).doesNotContain("hunter3-pod", "miner@corp.example");
        decide(second.path("id").asText(), "reject", approver, "{\"reason\": \"no miners\"}");
        Cli.Result refused = rejectedApply.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("no miners");
        assertThat(direct.pods().inNamespace("default").withName("held-miner").get()).isNull();

        List<AuditRecord> trail = sluice.audit(AuditQuery.all().withSubject("agent-pods"));
        assertThat(trail).filteredOn(r -> r.kind().equals("command") && r.statement().startsWith("create pods"))
                .extracting(AuditRecord::verdict).containsExactly("hold", "hold");
        assertThat(trail).filteredOn(r -> r.kind().equals("approval.executed")).hasSize(1);
        assertThat(trail).filteredOn(r -> r.kind().equals("command.result")).extracting(r -> r.details().get("tag"))
                .contains("HTTP 201");
        assertThat(sluice.audit(AuditQuery.all()).toString()).doesNotContain("hunter2-pod", "hunter3-pod");
    }

    private static Path podFile(String name, String password, String owner) throws IOException {
        Path result = Files.createTempFile(sluice.dir(), name, ".yaml");
        Files.writeString(result, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: default}
                spec:
                  containers:
                    - name: c
                      image: nginx:1.27
                      env: [{name: DB_PASSWORD, value: %s}, {name: OWNER, value: "%s"}]
                """.formatted(name, password, owner));
        return result;
    }

    /** The pending approval of {@code subject}'s request, as the approver's REST view lists it. */
    private static JsonNode pendingOf(String subject, String approver, CompletableFuture<Cli.Result> client) {
        HttpClient http = HttpClient.newHttpClient();
        JsonNode[] held = new JsonNode[1];
        Eventually.await(Duration.ofSeconds(30), () -> {
            try {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sluice.gateway().httpPort() + "/api/approvals?state=pending"))
                        .header("Authorization", "Bearer " + approver).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                held[0] = null;
                new ObjectMapper().readTree(list).forEach(r -> {
                    if (r.path("requester").path("subject").asText().equals(subject)) {
                        held[0] = r;
                    }
                });
                assertThat(held[0]).as(list + (client.isDone() ? " client: " + client.join().stdout()
                        + client.join().stderr() : "")).isNotNull();
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        return held[0];
    }

    private static void decide(String id, String decision, String approver, String body) throws Exception {
        HttpResponse<String> result = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + sluice.gateway().httpPort() + "/api/approvals/" + id + "/" + decision))
                .header("Authorization", "Bearer " + approver).header("Content-Type", "application/json")
                .POST(body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(
                        body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(result.statusCode()).as(result.body()).isEqualTo(200);
    }

    @Test
    void callerImpersonationIsRefusedInEverySpelling() {
        cluster.forgetRequests();
        Map<String, String> env = kubeconfig("prod-k8s", sluice.token("agent-9", "agents"));
        Cli.Result as = kubectl(env, "get", "pods", "--as=system:admin");
        assertThat(as.exitCode()).isNotZero();
        assertThat(as.stderr()).contains("impersonation");
        Cli.Result group = kubectl(env, "get", "pods", "--as=x", "--as-group=system:masters");
        assertThat(group.exitCode()).isNotZero();
        for (String header : List.of("Impersonate-User: admin", "impersonate-group: system:masters",
                "IMPERSONATE-UID: 1", "Impersonate-Extra-scopes: all")) {
            Cli.Result curl = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer "
                    + sluice.token("agent-9", "agents"), "-H", header, sluice.url() + "/k8s/prod-k8s/api/v1/pods");
            assertThat(curl.stdout()).as(header).endsWith("403");
        }
        assertThat(cluster.requests()).noneMatch(seen -> seen.hasHeaderStartingWith("Impersonate-"));
    }

    @Test
    void kubectlExecRunsThroughTheWebSocketRelayWithTheCommandAudited() {
        execServer.heads.clear();
        Map<String, String> env = kubeconfig("exec-k8s", sluice.token("agent-5", "agents"));
        Cli.Result exec = kubectl(env, "exec", "web", "--", "echo", "hi");
        assertThat(exec.exitCode()).as(exec.stderr()).isZero();
        assertThat(exec.stdout()).contains("exec:echo hi");
        assertThat(execServer.heads).anySatisfy(h -> {
            assertThat(h.get("authorization")).isEqualTo("Bearer " + SA_TOKEN);
            assertThat(h.get("impersonate-user")).isEqualTo("agent-5");
            assertThat(h.get("impersonate-group")).isEqualTo("agents");
            assertThat(h).containsKey("sec-websocket-key");
        });
        Cli.Result rm = kubectl(env, "exec", "web", "--", "rm", "-rf", "/data");
        assertThat(rm.exitCode()).isNotZero();
        assertThat(rm.stderr()).contains("agents-no-rm");
        assertThat(execServer.targets).noneMatch(t -> t.contains("command=rm"));
        assertThat(sluice.audit(AuditQuery.all().withSubject("agent-5"))).anySatisfy(r -> {
            assertThat(r.statement()).contains("exec pods/exec web -n default").contains("$ echo hi");
            assertThat(r.verdict()).isEqualTo("allow");
        });
        // the recording is closed when the relay ends, which may be after kubectl exited
        Eventually.await(() -> {
            List<AuditRecord> recording = sluice.audit(AuditQuery.all().withSubject("agent-5").withKind("recording"))
                    .stream().filter(r -> "asciicast/v2".equals(r.details().get("format"))).toList();
            assertThat(recording).anySatisfy(r -> assertThat(String.valueOf(r.details().get("content")))
                    .contains("\"version\":2").contains("\"command\":\"echo hi\""));
            assertThat(recording).anySatisfy(r -> assertThat(String.valueOf(r.details().get("content")))
                    .contains("\"o\",\"exec:echo hi\\n\""));
        });
    }

    @Test
    void sluiceKubeconfigPrintsAConfigKubectlUsesAsIs() throws IOException {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = SluiceCli.commandLine();
        cli.setOut(new java.io.PrintWriter(out));
        int code = cli.execute("kubeconfig", "--config", sluice.dir().resolve("sluice.yaml").toString(),
                "--connection", "prod-k8s", "--server", sluice.url(), "--token", sluice.token("sre-kc", "sre"));
        assertThat(code).isZero();
        assertThat(out.toString()).contains("server: " + sluice.url() + "/k8s/prod-k8s")
                .contains("certificate-authority-data: ");
        Path file = Files.createTempFile(sluice.dir(), "generated-", ".yaml");
        Files.writeString(file, out.toString());
        Cli.Result get = kubectl(Map.of("KUBECONFIG", file.toString(), "HOME", sluice.dir().toString()), "get",
                "namespaces");
        assertThat(get.exitCode()).as(get.stderr()).isZero();
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err));
        assertThat(cli.execute("kubeconfig", "--config", sluice.dir().resolve("sluice.yaml").toString(),
                "--connection", "nope", "--token", "t")).isEqualTo(1);
        assertThat(err.toString()).contains("no kubernetes connection named \"nope\"");
    }

    @Test
    void aHeldRequestWhoseClientGaveUpIsWithdrawnAndNeverRuns() throws Exception {
        direct.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("keep")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("x").endContainer().endSpec()
                .build()).create();
        // kubectl's own delete carries DeleteOptions as a small body: read before the judgment, watched while held
        Cli.Result gaveUp = kubectl(kubeconfig("prod-k8s", sluice.token("agent-impatient", "agents")), "delete", "pod",
                "keep", "--request-timeout=3s");
        assertThat(gaveUp.exitCode()).as("kubectl gave up waiting").isNotZero();
        String approver = sluice.token("sre-bob", "sre");
        HttpClient http = HttpClient.newHttpClient();
        Eventually.await(Duration.ofSeconds(20), () -> {
            try {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sluice.gateway().httpPort() + "/api/approvals?state=withdrawn"))
                        .header("Authorization", "Bearer " + approver).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(list).contains("agent-impatient").contains("pods keep");
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(direct.pods().inNamespace("default").withName("keep").get()).isNotNull();
        assertThat(cluster.requests()).noneMatch(seen -> seen.method().equals("DELETE")
                && seen.path().contains("/pods/keep"));
    }

    @Test
    void anExecOrAttachOverSpdyIsRefusedBecauseItCouldNotBeRecorded() {
        execServer.targets.clear();
        String token = sluice.token("agent-spdy", "agents");
        for (String subresource : List.of("exec?command=ls&stdout=true", "attach?stdout=true")) {
            Cli.Result result = sluice.curl("-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token,
                    "-H", "Connection: Upgrade", "-H", "Upgrade: SPDY/3.1", "-H",
                    "X-Stream-Protocol-Version: v4.channel.k8s.io", "-X", "POST",
                    sluice.url() + "/k8s/exec-k8s/api/v1/namespaces/default/pods/shell/" + subresource);
            assertThat(result.stdout()).as(subresource).contains("cannot be recorded").contains("WebSocket")
                    .endsWith("403");
        }
        assertThat(execServer.targets).isEmpty();
        assertThat(sluice.audit(AuditQuery.all().withSubject("agent-spdy")))
                .filteredOn(r -> r.kind().equals("command")).hasSize(2)
                .allSatisfy(r -> assertThat(r.verdict()).isEqualTo("deny"));
    }

    @Test
    void podSpecEscapesAreJudgedFromTheBodyAndAMaskedSecretCannotBeWrittenBackWithKubectl() throws IOException {
        Map<String, String> agent = kubeconfig("prod-k8s", sluice.token("agent-9", "agents"));
        Path pod = Files.createTempFile(sluice.dir(), "root", ".yaml");
        Files.writeString(pod, """
                apiVersion: v1
                kind: Pod
                metadata: {name: root-shell, namespace: default}
                spec:
                  containers: [{name: c, image: busybox, securityContext: {privileged: true}}]
                  volumes: [{name: root, hostPath: {path: /}}]
                """);
        Cli.Result apply = kubectl(agent, "apply", "--validate=false", "-f", pod.toString());
        assertThat(apply.exitCode()).isNotZero();
        assertThat(apply.stderr()).contains("Forbidden").contains("agents-no-host-escapes");
        assertThat(direct.pods().inNamespace("default").withName("root-shell").get()).isNull();

        direct.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("db-edit")
                .endMetadata().addToData("password", "aHVudGVyMg==").build()).create();
        Cli.Result shown = kubectl(sre(), "get", "secret", "db-edit", "-o", "yaml");
        assertThat(shown.stdout()).contains("KioqKioqKio=").doesNotContain("aHVudGVyMg==");
        Path edited = Files.createTempFile(sluice.dir(), "secret", ".yaml");
        Files.writeString(edited, shown.stdout());
        Cli.Result replace = kubectl(sre(), "replace", "--validate=false", "-f", edited.toString());
        assertThat(replace.exitCode()).isNotZero();
        assertThat(replace.stderr()).contains("Sluice's mask");
        assertThat(direct.secrets().inNamespace("default").withName("db-edit").get().getData())
                .containsEntry("password", "aHVudGVyMg==");
    }
}
