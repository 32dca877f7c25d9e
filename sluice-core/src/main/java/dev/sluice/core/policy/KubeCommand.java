package dev.sluice.core.policy;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One Kubernetes API request, read from its URL and method (never its body).
 *
 * @param verb           {@code get}, {@code list}, {@code watch}, {@code create}, {@code update}, {@code patch},
 *                       {@code delete}, {@code deletecollection}, {@code exec}, {@code attach}, {@code portforward},
 *                       {@code proxy}, {@code logs}; the kind is its upper case
 * @param group          API group, empty for the core group
 * @param resource       plural resource ({@code pods}), empty for non-resource URLs
 * @param subresource    {@code exec}, {@code log}, {@code status}..., empty when none
 * @param namespace      empty for cluster-scoped requests
 * @param name           empty for collections
 * @param text           {@code METHOD path?query} as sent
 * @param kubectlCommand the {@code Kubectl-Command} header, empty when not sent
 */
public record KubeCommand(String verb, String group, String version, String resource, String subresource,
                          String namespace, String name, String text, String kubectlCommand) implements Command {

    public KubeCommand {
        Objects.requireNonNull(verb, "verb");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(subresource, "subresource");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(kubectlCommand, "kubectlCommand");
    }

    @Override
    public String protocol() {
        return "kubernetes";
    }

    @Override
    public String kind() {
        return verb.isEmpty() ? UNKNOWN : verb.toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public Set<String> kinds() {
        return Set.of(kind());
    }

    /** Rule keys {@code resources} ({@code pods}, {@code pods/exec}, {@code apps/deployments}), namespaces, names. */
    @Override
    public Map<String, Set<String>> objects() {
        Set<String> resources = new LinkedHashSet<>();
        if (!resource.isEmpty()) {
            String qualified = group.isEmpty() ? resource : group + "/" + resource;
            resources.add(resource);
            resources.add(qualified);
            if (!subresource.isEmpty()) {
                resources.add(resource + "/" + subresource);
                resources.add(qualified + "/" + subresource);
            }
        }
        return Map.of(RESOURCES, resources, NAMESPACES, namespace.isEmpty() ? Set.of() : Set.of(namespace),
                NAMES, name.isEmpty() ? Set.of() : Set.of(name));
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("verb", verb, "group", group, "version", version, "resource", resource,
                "subresource", subresource, "namespace", namespace, "name", name, "kubectl_command", kubectlCommand);
    }
}
