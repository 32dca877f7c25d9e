package dev.sluice.http;

import java.util.Set;

/**
 * The "dangerous" Kubernetes catalogue for rules ({@code resources: [dangerous]}): what runs code in a workload or
 * reaches into it (exec, attach, port-forward, the proxies, ephemeral containers), mints credentials
 * (service-account tokens, certificate signing requests), changes who may do what (RBAC, impersonation through
 * bindings, admission webhooks). A privileged pod spec is in the request body, which Sluice does not read: rules
 * for it name {@code pods} (and the controllers that make pods) with the write kinds.
 */
final class KubeCatalogue {
    static final Set<String> DANGEROUS = Set.of(
            "pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "pods/ephemeralcontainers",
            "nodes/proxy", "services/proxy",
            "serviceaccounts/token", "certificatesigningrequests", "certificates.k8s.io/certificatesigningrequests",
            "roles", "rolebindings", "clusterroles", "clusterrolebindings",
            "rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/rolebindings",
            "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/clusterrolebindings",
            "mutatingwebhookconfigurations", "validatingwebhookconfigurations",
            "admissionregistration.k8s.io/mutatingwebhookconfigurations",
            "admissionregistration.k8s.io/validatingwebhookconfigurations");

    private KubeCatalogue() {
    }
}
