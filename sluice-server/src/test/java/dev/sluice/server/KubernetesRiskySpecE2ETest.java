package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.testing.Cli;
import dev.sluice.testing.KubeApiServer;

/**
 * Red-team attacks with the real kubectl through Sluice to fabric8's Kubernetes mock (and a WebSocket stand-in for
 * exec), by an agent whose writes are judged against {@code resources: [dangerous]}: pod specs that widen what a
 * container may do without {@code privileged} or {@code hostPath} (added capabilities, privilege escalation, root,
 * unconfined profiles, volumes that reach the node, Secrets and other service accounts), in pods, in controllers'
 * templates and through every kind of {@code kubectl patch}; and, on an allow-list exec connection whose rule lists
 * {@code EXEC}, an exec of an interpreter or a program given code ({@code sh -c}, {@code awk}, {@code python3.11 -c},
 * {@code sort --compress-program}). Each checks the mock's objects (or the stand-in's requests) afterwards,
 * kubectl's output and the audit trail.
 */
class KubernetesRiskySpecE2ETest {
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
        Files.writeString(tokenFile, "sa-token\n");
        sluice = ProxyHarness.start(oidc -> """
                connections:
                  - name: prod-k8s
                    type: kubernetes
                    address: %s
                    token: ${file:%s}
                    impersonate: false
                    allow: {groups: [agents]}
                  - name: exec-k8s
                    type: kubernetes
                    address: %s
                    token: ${file:%s}
                    impersonate: false
                    default: deny
                    allow: {groups: [agents]}
                policies:
                  - name: agents-nothing-dangerous
                    connections: [prod-k8s]
                    groups: [agents]
                    deny:
                      resources: [dangerous]
                  - name: agents-may-exec
                    connections: [exec-k8s]
                    groups: [agents]
                    allow:
                      kinds: [GET, EXEC]
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

    private static Path yaml(String text) throws IOException {
        Path file = Files.createTempFile(sluice.dir(), "spec-", ".yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void podSpecsThatWidenWhatAContainerMayDoAreRefusedInPodsAndTemplates() throws IOException {
        Map<String, String> agent = kubeconfig("prod-k8s", sluice.token("eve-spec", "agents"));
        Cli.Result plain = kubectl(agent, "apply", "--validate=false", "-f", yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: plain, namespace: default}
                spec:
                  containers: [{name: c, image: busybox, securityContext: {capabilities: {drop: [ALL]}}}]
                """).toString());
        assertThat(plain.exitCode()).as(plain.stderr()).isZero();
        assertThat(direct.pods().inNamespace("default").withName("plain").get()).isNotNull();

        Map<String, String> specs = Map.of(
                "caps", "containers: [{name: c, image: busybox, securityContext: {capabilities: {add: [SYS_ADMIN]}}}]",
                "escalate", "containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: "
                        + "true}}]",
                "root", "securityContext: {runAsUser: 0}\n  containers: [{name: c, image: busybox}]",
                "unconfined", "securityContext: {seccompProfile: {type: Unconfined}}\n  containers: [{name: c, "
                        + "image: busybox, securityContext: {procMount: Unmasked}}]",
                "nfs", "containers: [{name: c, image: busybox}]\n  volumes: [{name: n, nfs: {server: nas, path: /}}]",
                "secret", "containers: [{name: c, image: busybox}]\n  volumes: [{name: s, secret: {secretName: db}}]",
                "token", "serviceAccountName: cluster-admin\n  containers: [{name: c, image: busybox}]",
                "shared", "shareProcessNamespace: true\n  containers: [{name: c, image: busybox}]");
        for (Map.Entry<String, String> spec : specs.entrySet()) {
            Cli.Result apply = kubectl(agent, "apply", "--validate=false", "-f", yaml("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: %s, namespace: default}
                    spec:
                      %s
                    """.formatted(spec.getKey(), spec.getValue())).toString());
            assertThat(apply.exitCode()).as(spec.getKey()).isNotZero();
            assertThat(apply.stderr()).as(spec.getKey()).contains("Forbidden").contains("agents-nothing-dangerous");
            assertThat(direct.pods().inNamespace("default").withName(spec.getKey()).get()).as(spec.getKey())
                    .isNull();
        }
        Cli.Result deployment = kubectl(agent, "apply", "--validate=false", "-f", yaml("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: node-agent, namespace: default}
                spec:
                  selector: {matchLabels: {app: a}}
                  template:
                    metadata: {labels: {app: a}}
                    spec:
                      containers: [{name: c, image: busybox, securityContext: {capabilities: {add: [ALL]}}}]
                """).toString());
        assertThat(deployment.exitCode()).isNotZero();
        assertThat(deployment.stderr()).contains("agents-nothing-dangerous");
        assertThat(direct.apps().deployments().inNamespace("default").withName("node-agent").get()).isNull();
        assertThat(sluice.audit(AuditQuery.all().withSubject("eve-spec"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("create deployments").contains("{body: capabilities}");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void everyKindOfPatchThatAddsACapabilityIsRefusedAndTheDeploymentKeepsItsSpec() {
        direct.apps().deployments().inNamespace("default").resource(new DeploymentBuilder().withNewMetadata()
                .withName("web").endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "web")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        Map<String, String> agent = kubeconfig("prod-k8s", sluice.token("eve-patch", "agents"));
        String strategic = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"securityContext\":"
                + "{\"capabilities\":{\"add\":[\"SYS_ADMIN\"]}}}]}}}}";
        for (String[] patch : List.of(new String[] {"strategic", strategic}, new String[] {"merge", strategic},
                new String[] {"json", "[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/securityContext\","
                        + "\"value\":{\"capabilities\":{\"add\":[\"NET_ADMIN\"]}}}]"},
                new String[] {"json", "[{\"op\":\"add\",\"path\":\"/spec/template/spec/securityContext\","
                        + "\"value\":{\"runAsUser\":0}}]"})) {
            Cli.Result result = kubectl(agent, "patch", "deployment", "web", "--type=" + patch[0], "-p", patch[1]);
            assertThat(result.exitCode()).as(patch[1]).isNotZero();
            assertThat(result.stderr()).as(patch[1]).contains("agents-nothing-dangerous");
        }
        var container = direct.apps().deployments().inNamespace("default").withName("web").get().getSpec()
                .getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getSecurityContext()).isNull();
        assertThat(sluice.audit(AuditQuery.all().withSubject("eve-patch"))).anySatisfy(r -> {
            assertThat(r.statement()).startsWith("patch deployments web").contains("{body: capabilities}");
            assertThat(r.verdict()).isEqualTo("deny");
        });
    }

    @Test
    void anExecThatRunsCodeIsOpaqueAndARuleListingOnlyExecRefusesIt() {
        execServer.targets.clear();
        Map<String, String> agent = kubeconfig("exec-k8s", sluice.token("eve-exec", "agents"));
        Cli.Result echo = kubectl(agent, "exec", "web", "--", "echo", "hi");
        assertThat(echo.exitCode()).as(echo.stderr()).isZero();
        assertThat(echo.stdout()).contains("exec:echo hi");

        for (List<String> argv : List.of(List.of("sh", "-c", "touch /pwned"),
                List.of("awk", "BEGIN{system(\"touch /pwned\")}"), List.of("python3.11", "-c", "import os"),
                List.of("sort", "--compress-prog=sh", "/etc/passwd"), List.of("env", "sh"))) {
            List<String> args = new ArrayList<>(List.of("exec", "web", "--"));
            args.addAll(argv);
            Cli.Result result = kubectl(agent, args.toArray(String[]::new));
            assertThat(result.exitCode()).as(argv.toString()).isNotZero();
            assertThat(result.stdout()).as(argv.toString()).doesNotContain("exec:");
            assertThat(execServer.targets).as(argv.toString())
                    .noneMatch(t -> t.contains("command=" + argv.getFirst()));
            assertThat(sluice.audit(AuditQuery.all().withSubject("eve-exec"))).as(argv.toString()).anySatisfy(r -> {
                assertThat(r.statement()).contains("$ " + String.join(" ", argv));
                assertThat(r.verdict()).isEqualTo("deny");
            });
        }
    }
}
