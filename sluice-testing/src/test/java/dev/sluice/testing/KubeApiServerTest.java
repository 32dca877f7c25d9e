package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The stand-in API server serves real kubectl directly (without Sluice), discovery and tables included. */
class KubeApiServerTest {

    @Test
    void realKubectlCreatesListsAndDeletesAgainstIt() throws Exception {
        try (KubeApiServer server = KubeApiServer.start()) {
            Path config = Files.createTempFile("kubeconfig", ".yaml");
            Files.writeString(config, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: mock, cluster: {server: "%s"}}]
                    users: [{name: u, user: {token: t}}]
                    contexts: [{name: c, context: {cluster: mock, user: u, namespace: default}}]
                    current-context: c
                    """.formatted(server.url()));
            Map<String, String> env = Map.of("KUBECONFIG", config.toString(), "HOME", config.getParent().toString());
            Path pod = Files.createTempFile("pod", ".yaml");
            Files.writeString(pod, """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web, namespace: default, labels: {app: web}}
                    spec: {containers: [{name: c, image: nginx}]}
                    """);
            Cli.Result apply = Cli.run(env, Duration.ofSeconds(30), "kubectl", "apply", "--validate=false", "-f",
                    pod.toString());
            assertThat(apply.exitCode()).as(apply.stderr()).isZero();
            Cli.Result get = Cli.run(env, Duration.ofSeconds(30), "kubectl", "get", "pods");
            assertThat(get.exitCode()).as(get.stderr()).isZero();
            assertThat(get.stdout()).contains("web");
            Cli.Result delete = Cli.run(env, Duration.ofSeconds(30), "kubectl", "delete", "pod", "web");
            assertThat(delete.exitCode()).as(delete.stderr()).isZero();
            assertThat(server.client().pods().inNamespace("default").withName("web").get()).isNull();
        }
    }
}
