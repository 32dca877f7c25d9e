package dev.sluice.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.Secret;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.SecretResolver;

/**
 * Binds the {@code kubernetes} and {@code http} items of the {@code connections} list (the keys the two types add to
 * the common ones: see docs/http.md and docs/kubernetes.md), recording every problem at its file and line.
 */
final class HttpTargets {
    static final Set<String> COMMON = Set.of("name", "type", "address", "allow", "labels", "default",
            "require-grant", "ca-file", "insecure-skip-verify", "hold");
    static final Set<String> KUBERNETES = Set.of("token", "client-cert", "client-key", "impersonate");
    static final Set<String> HTTP = Set.of("headers", "basic-auth", "oauth2-client-credentials");

    private HttpTargets() {
    }

    /** Every kubernetes/http connection of {@code connections}, by name; other types are skipped. */
    static Map<String, HttpTarget> bind(ConfigNode connections, SecretResolver secrets, ConfigProblems problems) {
        Map<String, HttpTarget> result = new LinkedHashMap<>();
        for (ConfigNode item : connections.items()) {
            if (!item.isMap()) {
                continue;
            }
            String type = item.at("type").isScalar() ? item.at("type").text() : "";
            if (!type.equals("kubernetes") && !type.equals("http")) {
                continue;
            }
            one(item, type.equals("kubernetes"), secrets, problems).ifPresent(t -> result.put(t.name(), t));
        }
        return result;
    }

    /** The keys a connection of this type may have. */
    static Set<String> keys(boolean kubernetes) {
        Set<String> result = new java.util.HashSet<>(COMMON);
        result.addAll(kubernetes ? KUBERNETES : HTTP);
        return result;
    }

    static Optional<HttpTarget> one(ConfigNode item, boolean kubernetes, SecretResolver secrets,
                                    ConfigProblems problems) {
        int before = problems.count();
        problems.rejectUnknownKeys(item, keys(kubernetes));
        String name = item.at("name").isScalar() ? item.at("name").text() : "";
        Optional<URI> address = address(item, problems);
        Optional<Path> caFile = problems.path(item, "ca-file");
        boolean insecure = problems.bool(item, "insecure-skip-verify", false);
        if (insecure && caFile.isPresent()) {
            problems.add(item.at("insecure-skip-verify"), "insecure-skip-verify and ca-file exclude each other");
        }
        Optional<Path> clientCert = kubernetes ? problems.path(item, "client-cert") : Optional.empty();
        Optional<Path> clientKey = kubernetes ? problems.path(item, "client-key") : Optional.empty();
        if (clientCert.isPresent() != clientKey.isPresent()) {
            problems.add(item.at(clientCert.isPresent() ? "client-cert" : "client-key"),
                    "client-cert and client-key go together: give both or neither");
        }
        HttpTarget.Credential credential = kubernetes ? kubeCredential(item, secrets, problems, clientCert.isPresent())
                : httpCredential(item, secrets, problems);
        boolean impersonate = kubernetes && problems.bool(item, "impersonate", false);
        String hold = problems.oneOf(item, "hold", "wait", List.of("wait", "accepted"));
        if (address.isPresent() && !address.get().getScheme().equals("https")
                && (caFile.isPresent() || insecure || clientCert.isPresent())) {
            problems.add(item.at("address"), "TLS settings given but the address is not https://");
        }
        if (problems.count() != before || address.isEmpty() || name.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HttpTarget(name, kubernetes, address.get(),
                new HttpTarget.UpstreamTlsSettings(caFile, insecure, clientCert, clientKey), credential, impersonate,
                hold.equals("wait") ? HttpTarget.HoldMode.WAIT : HttpTarget.HoldMode.ACCEPTED));
    }

    private static Optional<URI> address(ConfigNode item, ConfigProblems problems) {
        String text = problems.requiredString(item, "address");
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text);
            String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                problems.add(item.at("address"), "expected http(s)://HOST[:PORT][/base-path], got '" + text + "'");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            problems.add(item.at("address"), "invalid URL: " + e.getReason());
            return Optional.empty();
        }
    }

    private static HttpTarget.Credential kubeCredential(ConfigNode item, SecretResolver secrets,
                                                        ConfigProblems problems, boolean clientCert) {
        Secret token = secrets.resolve(item.at("token"), problems);
        if (!token.isEmpty() && clientCert) {
            problems.add(item.at("token"), "token and client-cert exclude each other");
        }
        if (token.isEmpty()) {
            if (!clientCert && !item.at("token").isAbsent()) {
                problems.add(item.at("token"), "the token is empty");
            }
            return new HttpTarget.Credential.None();
        }
        return new HttpTarget.Credential.StaticHeaders(List.of(new HttpTarget.SecretHeader("Authorization",
                Secret.of("Bearer " + token.reveal().strip()))));
    }

    private static HttpTarget.Credential httpCredential(ConfigNode item, SecretResolver secrets,
                                                        ConfigProblems problems) {
        int given = (item.at("headers").isAbsent() ? 0 : 1) + (item.at("basic-auth").isAbsent() ? 0 : 1)
                + (item.at("oauth2-client-credentials").isAbsent() ? 0 : 1);
        if (given > 1) {
            problems.add(item, "give one of headers, basic-auth and oauth2-client-credentials");
        }
        if (!item.at("basic-auth").isAbsent()) {
            ConfigNode basic = problems.map(item, "basic-auth");
            problems.rejectUnknownKeys(basic, Set.of("user", "password"));
            String user = problems.requiredString(basic, "user");
            if (user.indexOf(':') >= 0) {
                problems.add(basic.at("user"), "a basic-auth user cannot contain ':'");
            }
            return new HttpTarget.Credential.Basic(user, secrets.resolve(basic.at("password"), problems));
        }
        if (!item.at("oauth2-client-credentials").isAbsent()) {
            ConfigNode oauth = problems.map(item, "oauth2-client-credentials");
            problems.rejectUnknownKeys(oauth, Set.of("token-url", "client-id", "client-secret", "scope", "audience"));
            String url = problems.requiredString(oauth, "token-url");
            URI tokenUrl = URI.create("http://invalid/");
            try {
                tokenUrl = new URI(url);
                if (!"https".equals(tokenUrl.getScheme()) && !"http".equals(tokenUrl.getScheme())) {
                    problems.add(oauth.at("token-url"), "expected an http(s) URL");
                }
            } catch (URISyntaxException e) {
                problems.add(oauth.at("token-url"), "invalid URL: " + e.getReason());
            }
            return new HttpTarget.Credential.OAuth2(tokenUrl, problems.requiredString(oauth, "client-id"),
                    secrets.resolve(oauth.at("client-secret"), problems), problems.optionalString(oauth, "scope"),
                    problems.optionalString(oauth, "audience"));
        }
        List<HttpTarget.SecretHeader> headers = new ArrayList<>();
        for (Map.Entry<String, ConfigNode> e : problems.map(item, "headers").entries().entrySet()) {
            String name = e.getKey();
            if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                problems.add(e.getValue(), "invalid header name '" + name + "'");
                continue;
            }
            Secret value = secrets.resolve(e.getValue(), problems);
            if (value.reveal().indexOf('\r') >= 0 || value.reveal().indexOf('\n') >= 0) {
                problems.add(e.getValue(), "a header value cannot contain a line break");
                continue;
            }
            headers.add(new HttpTarget.SecretHeader(name, value));
        }
        return headers.isEmpty() ? new HttpTarget.Credential.None() : new HttpTarget.Credential.StaticHeaders(headers);
    }
}
