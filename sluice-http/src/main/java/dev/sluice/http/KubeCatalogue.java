package dev.sluice.http;

import java.util.Set;

/**
 * The "dangerous" Kubernetes catalogue for rules ({@code resources: [dangerous]}): what runs code in a workload or
 * reaches into it (exec, attach, port-forward, the proxies, ephemeral containers), mints credentials
 * (service-account tokens, certificate signing requests), changes who may do what (RBAC, impersonation through
 * bindings, admission webhooks), and writes of pod specs that leave the container ({@link KubeBody#FINDINGS} on pods
 * and the built-in controllers that make pods: {@code pods/privileged}, {@code deployments/hostpath}, ...; a custom
 * resource's are named by rules, {@code *}{@code /privileged}).
 */
final class KubeCatalogue {
    /** Built-in resources whose writes carry a pod spec. */
    static final Set<String> POD_MAKERS = Set.of("pods", "podtemplates", "replicationcontrollers", "deployments",
            "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs");
    static final Set<String> DANGEROUS = java.util.stream.Stream.concat(POD_MAKERS.stream().flatMap(resource ->
            KubeBody.FINDINGS.stream().map(finding -> resource + "/" + finding)), Set.of(
            "pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "pods/ephemeralcontainers",
            "nodes/proxy", "services/proxy",
            "serviceaccounts/token", "certificatesigningrequests", "certificates.k8s.io/certificatesigningrequests",
            "roles", "rolebindings", "clusterroles", "clusterrolebindings",
            "rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/rolebindings",
            "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/clusterrolebindings",
            "mutatingwebhookconfigurations", "validatingwebhookconfigurations",
            "admissionregistration.k8s.io/mutatingwebhookconfigurations",
            "admissionregistration.k8s.io/validatingwebhookconfigurations").stream())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private KubeCatalogue() {
    }
}
