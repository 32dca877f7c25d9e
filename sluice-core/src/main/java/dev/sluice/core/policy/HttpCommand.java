package dev.sluice.core.policy;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One HTTP request to an internal service.
 *
 * @param method  upper-case; the kind
 * @param host    the service's host as Sluice routes it (not the caller's Host header)
 * @param path    the decoded, normalised path below the connection's prefix ({@code /v1/invoices})
 * @param query   the raw query string, empty when none
 * @param headers selected request headers, names lower-case (never credentials)
 */
public record HttpCommand(String method, String host, String path, String query, Map<String, String> headers)
        implements Command {

    public HttpCommand {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        headers = Map.copyOf(headers);
    }

    @Override
    public String protocol() {
        return "http";
    }

    @Override
    public String kind() {
        return method.isEmpty() ? UNKNOWN : method;
    }

    @Override
    public Set<String> kinds() {
        return Set.of(kind());
    }

    @Override
    public String text() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query);
    }

    @Override
    public Map<String, Set<String>> objects() {
        return Map.of(PATHS, Set.of(path), HOSTS, Set.of(host));
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("method", method, "host", host, "path", path, "query", query, "headers", headers);
    }
}
