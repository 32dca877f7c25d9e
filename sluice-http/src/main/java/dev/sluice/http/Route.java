package dev.sluice.http;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.sluice.http.wire.HttpProtocolException;

/**
 * Which connection a request is for, and the path it carries for that connection.
 *
 * <p>Path routing: {@code /k8s/CONNECTION/REST} for {@code kubernetes} connections, {@code /http/CONNECTION/REST} for
 * {@code http} ones. Host routing, for clients that cannot take a path prefix: with a host suffix configured, a
 * request whose {@code Host} is {@code CONNECTION.SUFFIX} (any port) goes to that connection with its whole path.
 * The prefix a request came through must match the connection's type, else the request is refused.
 *
 * @param connection the connection's name, as asked for (not yet known to exist)
 * @param family     {@code k8s} or {@code http}, from the prefix; empty for host routing (taken from the type)
 * @param rawPath    the path to send upstream (after the prefix), as the client spelled it
 * @param query      the raw query string ("" when none)
 * @param segments   the decoded segments of {@code rawPath}
 */
record Route(String connection, Optional<String> family, String rawPath, String query, List<String> segments) {

    static Route resolve(RequestTarget target, String host, Optional<String> hostSuffix) {
        Optional<String> byHost = hostSuffix.flatMap(suffix -> connectionOfHost(host, suffix));
        if (byHost.isPresent()) {
            return new Route(byHost.get(), Optional.empty(), target.rawPath(), target.query(), target.segments());
        }
        List<String> segments = target.segments();
        if (segments.size() < 2 || !segments.getFirst().equals("k8s") && !segments.getFirst().equals("http")) {
            throw new HttpProtocolException(404, "no route: use /k8s/CONNECTION/... or /http/CONNECTION/...");
        }
        String prefix = "/" + segments.get(0) + "/" + segments.get(1);
        if (!target.rawPath().equals(prefix) && !target.rawPath().startsWith(prefix + "/")) {
            // The connection name was percent-encoded: one more spelling to judge; refused.
            throw new HttpProtocolException(400, "the route prefix must not be percent-encoded");
        }
        return new Route(segments.get(1), Optional.of(segments.getFirst()), target.rawPathAfter(2), target.query(),
                segments.subList(2, segments.size()));
    }

    /** {@code name} when {@code host} (port dropped, any case) is {@code name.suffix} and name has no dot. */
    static Optional<String> connectionOfHost(String host, String suffix) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            return Optional.empty();
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        String tail = "." + suffix.toLowerCase(Locale.ROOT);
        if (!h.endsWith(tail)) {
            return Optional.empty();
        }
        String name = h.substring(0, h.length() - tail.length());
        return name.matches("[a-z0-9][a-z0-9_-]{0,62}") ? Optional.of(name) : Optional.empty();
    }

    /** The upstream request target: the base path, the path, the query. */
    String upstreamTarget(String basePath) {
        String path = basePath + (rawPath.isEmpty() ? "/" : rawPath);
        return query.isEmpty() ? path : path + "?" + query;
    }

    /** The path after the prefix, with the query, for audit text and HTTP policy. */
    String display() {
        String path = "/" + String.join("/", segments);
        return query.isEmpty() ? path : path + "?" + query;
    }

    /** Whether the request came through the {@code /k8s/} prefix or host routing to a kubernetes connection. */
    boolean kubernetesPrefix() {
        return family.filter(f -> f.equals("k8s")).isPresent();
    }

}
