package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.testing.Cli;

/** The real {@code kubectl} against a Kubernetes connection of a {@link ProxyHarness}, with a kubeconfig per caller. */
final class Kubectl {
    private Kubectl() {
    }

    /** The environment that points kubectl at {@code /k8s/CONNECTION} on {@code sluice} with {@code token}. */
    static Map<String, String> kubeconfig(ProxyHarness sluice, String connection, String token) {
        try {
            Path file = Files.createTempFile(sluice.dir(), "kubeconfig-", ".yaml");
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: sluice, cluster: {server: "%s/k8s/%s", certificate-authority: "%s"}}]
                    users: [{name: caller, user: {token: "%s"}}]
                    contexts: [{name: c, context: {cluster: sluice, user: caller, namespace: default}}]
                    current-context: c
                    """.formatted(sluice.url(), connection, sluice.caFile(), token));
            return Map.of("KUBECONFIG", file.toString(), "HOME", sluice.dir().toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Cli.Result run(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--request-timeout=60s"));
        command.addAll(List.of(args));
        return Cli.run(env, Duration.ofSeconds(90), command.toArray(String[]::new));
    }
}
