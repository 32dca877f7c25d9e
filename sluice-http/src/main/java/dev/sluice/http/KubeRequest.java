package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import dev.sluice.http.wire.HttpProtocolException;

/**
 * What a Kubernetes API request does, read from its method and URL only (never its body), the way the API server's
 * own {@code RequestInfoFactory} reads it, so that what Sluice judges is what the server will authorise and run.
 *
 * @param verb           get, list, watch, create, update, patch, delete, deletecollection, exec, attach,
 *                       portforward, proxy, logs; for non-resource URLs ({@code /version}, {@code /apis}) the
 *                       lower-case method
 * @param group          the API group, empty for the core group and non-resource URLs
 * @param version        the API version, empty for non-resource URLs
 * @param resource       the resource ({@code pods}); empty for non-resource URLs
 * @param subresource    the subresource ({@code exec}, {@code status}, {@code log}), empty when none
 * @param namespace      the namespace, empty for cluster-scoped requests
 * @param name           the object's name, empty for collections (a {@code metadata.name=} field selector names one)
 * @param path           the decoded path after the connection prefix, for non-resource URLs and the audit
 * @param alsoCreate     true when the request may create what it names (server-side apply, PUT): judged as create too
 */
record KubeRequest(String verb, String group, String version, String resource, String subresource, String namespace,
                   String name, String path, boolean alsoCreate) {
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    boolean resourceRequest() {
        return !resource.isEmpty();
    }

    /** {@code resource} or {@code resource/subresource}. */
    String qualifiedResource() {
        return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    /** Reads a request; {@code segments} are the decoded path segments after {@code /k8s/CONNECTION}. */
    static KubeRequest parse(String method, List<String> segments, QueryString query, Optional<String> contentType) {
        String path = "/" + String.join("/", segments);
        String lowerMethod = method.toLowerCase(Locale.ROOT);
        if (segments.isEmpty() || !segments.getFirst().equals("api") && !segments.getFirst().equals("apis")) {
            return new KubeRequest(lowerMethod, "", "", "", "", "", "", path, false);
        }
        List<String> parts = new ArrayList<>(segments);
        boolean core = parts.removeFirst().equals("api");
        int minimum = core ? 2 : 3; // api/v1/RESOURCE or apis/GROUP/VERSION/RESOURCE
        if (parts.size() < minimum) {
            return new KubeRequest(lowerMethod, "", "", "", "", "", "", path, false); // discovery
        }
        String group = core ? "" : parts.removeFirst();
        String version = parts.removeFirst();
        lowerCaseOnly(group, "API group");
        lowerCaseOnly(version, "API version");
        String verb = switch (method) {
            case "GET", "HEAD" -> "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> throw new HttpProtocolException(405, "method " + method + " is not a Kubernetes API verb");
        };
        boolean proxyPrefix = false;
        if (parts.getFirst().equals("watch") || parts.getFirst().equals("proxy")) {
            // The deprecated /watch/ and /proxy/ prefixes, still served.
            verb = parts.removeFirst();
            proxyPrefix = verb.equals("proxy");
            if (parts.isEmpty()) {
                throw new HttpProtocolException(400, "a " + verb + " prefix without a resource");
            }
        }
        String namespace = "";
        if (parts.getFirst().equals("namespaces") && parts.size() > 1) {
            namespace = parts.get(1);
            if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
                parts = parts.subList(2, parts.size());
            }
        }
        String resource = parts.getFirst();
        String name = parts.size() >= 2 ? parts.get(1) : "";
        // /proxy/namespaces/N/pods/P/... reaches what pods/P/proxy/... reaches: judged as that subresource.
        String subresource = proxyPrefix ? "proxy" : parts.size() >= 3 ? parts.get(2) : "";
        lowerCaseOnly(resource, "resource");
        lowerCaseOnly(subresource, "subresource");
        if (name.isEmpty() && verb.equals("get")) {
            Optional<String> watch = query.first("watch");
            verb = watch.isPresent() && !watch.get().equalsIgnoreCase("false") && !watch.get().equals("0")
                    ? "watch" : "list";
            name = query.first("fieldSelector").flatMap(KubeRequest::exactName).orElse("");
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        verb = switch (subresource) {
            case "exec" -> "exec";
            case "attach" -> "attach";
            case "portforward" -> "portforward";
            case "proxy" -> "proxy";
            case "log" -> "logs";
            default -> verb;
        };
        boolean alsoCreate = method.equals("PUT") || method.equals("PATCH")
                && contentType.map(t -> t.toLowerCase(Locale.ROOT).startsWith("application/apply-patch")).orElse(false);
        return new KubeRequest(verb, group, version, resource, subresource, namespace, name, path, alsoCreate);
    }

    /** The name a {@code metadata.name=X} (or {@code ==}) field selector pins, as the API server reads it. */
    private static Optional<String> exactName(String selector) {
        for (String term : selector.split(",")) {
            String t = term.strip();
            for (String op : List.of("metadata.name==", "metadata.name=")) {
                if (t.startsWith(op) && !t.substring(op.length()).isEmpty()) {
                    return Optional.of(t.substring(op.length()));
                }
            }
        }
        return Optional.empty();
    }

    private static void lowerCaseOnly(String value, String what) {
        if (!value.equals(value.toLowerCase(Locale.ROOT))) {
            // The API server has no upper-case resources; a case variant is an attempt to slip past a rule.
            throw new HttpProtocolException(400, "upper-case letters in the Kubernetes " + what + " are refused");
        }
    }

    /** One line for the audit trail: {@code delete pods/web-1 -n prod (apps/v1)}. */
    String describe() {
        if (!resourceRequest()) {
            return verb + " " + path;
        }
        StringBuilder text = new StringBuilder(verb).append(' ').append(qualifiedResource());
        if (!name.isEmpty()) {
            text.append(' ').append(name);
        }
        if (!namespace.isEmpty()) {
            text.append(" -n ").append(namespace);
        }
        text.append(" (").append(group.isEmpty() ? "" : group + "/").append(version).append(')');
        return text.toString();
    }
}
