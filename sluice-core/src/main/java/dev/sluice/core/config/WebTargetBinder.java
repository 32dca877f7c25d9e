package dev.sluice.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.Secret;

/** Binds the keys {@code kubernetes} and {@code http} connections add (see docs/kubernetes.md, docs/http.md). */
final class WebTargetBinder {
    private WebTargetBinder() {
    }

    /** The {@code address} of a web target: {@code http(s)://HOST[:PORT][/base-path]}. */
    static Optional<URI> url(ConfigNode item, ConfigProblems problems) {
        String text = problems.requiredString(item, "address");
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (!text.contains("://")) {
            problems.add(item.at("address"), "expected http(s)://HOST[:PORT][/base-path], got '"
                    + HostPort.shorten(text) + "'");
            return Optional.empty();
        }
        try {
            URI uri = new URI(text);
            String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                problems.add(item.at("address"), "expected http(s)://HOST[:PORT][/base-path], got '"
                        + HostPort.shorten(text) + "'");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            problems.add(item.at("address"), "invalid URL: " + e.getReason());
            return Optional.empty();
        }
    }

    /** The dialer's {@code host:port} of a web target's URL (default ports 80 and 443). */
    static HostPort hostPort(URI url) {
        int port = url.getPort() > 0 ? url.getPort() : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1)
                : url.getHost();
        return new HostPort(host, port);
    }

    /**
     * A {@code via} web connection on the gateway: the relay holds the URL, TLS and credential, so the gateway's
     * target is a placeholder URL (plain HTTP over the relay's tunnel, no base path: the relay sets {@code Host} and
     * prefixes its own base path) with no credential; only {@code impersonate} stays (it names the caller).
     */
    static WebTarget via(ConfigNode item, String type, String group, ConfigProblems problems) {
        boolean kubernetes = type.equals(WebTarget.KUBERNETES);
        boolean impersonate = kubernetes && problems.bool(item, "impersonate", false);
        return new WebTarget(type, URI.create("http://" + group.replace('_', '-') + ".relay.invalid"),
                new WebTarget.Tls(Optional.empty(), false, Optional.empty(), Optional.empty()),
                new WebTarget.Credential.None(), impersonate);
    }

    static Optional<Target> kubernetes(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        return bind(item, true, secrets, problems);
    }

    static Optional<Target> http(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        return bind(item, false, secrets, problems);
    }

    private static Optional<Target> bind(ConfigNode item, boolean kubernetes, SecretResolver secrets,
                                         ConfigProblems problems) {
        int before = problems.count();
        Optional<URI> url = url(item, problems);
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
        WebTarget.Credential credential = kubernetes ? kubeCredential(item, secrets, problems, clientCert.isPresent())
                : httpCredential(item, secrets, problems);
        boolean impersonate = kubernetes && problems.bool(item, "impersonate", false);
        if (url.isPresent() && !url.get().getScheme().equalsIgnoreCase("https")
                && (caFile.isPresent() || insecure || clientCert.isPresent())) {
            problems.add(item.at("address"), "TLS settings (ca-file, insecure-skip-verify, client-cert) need an "
                    + "https:// address");
        }
        if (problems.count() != before || url.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new WebTarget(kubernetes ? WebTarget.KUBERNETES : WebTarget.HTTP, url.get(),
                new WebTarget.Tls(caFile, insecure, clientCert, clientKey), credential, impersonate));
    }

    private static WebTarget.Credential kubeCredential(ConfigNode item, SecretResolver secrets,
                                                       ConfigProblems problems, boolean clientCert) {
        Secret token = secrets.resolve(item.at("token"), problems);
        if (!token.isEmpty() && clientCert) {
            problems.add(item.at("token"), "token and client-cert exclude each other");
        }
        if (token.isEmpty()) {
            if (!item.at("token").isAbsent() && problems.isEmpty()) {
                problems.add(item.at("token"), "the token is empty");
            }
            return new WebTarget.Credential.None();
        }
        String value = token.reveal().strip();
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            problems.add(item.at("token"), "the token cannot contain a line break");
            return new WebTarget.Credential.None();
        }
        return new WebTarget.Credential.Headers(List.of(new WebTarget.SecretHeader("Authorization",
                Secret.of("Bearer " + value))));
    }

    private static WebTarget.Credential httpCredential(ConfigNode item, SecretResolver secrets,
                                                       ConfigProblems problems) {
        int given = (item.at("headers").isAbsent() ? 0 : 1) + (item.at("basic-auth").isAbsent() ? 0 : 1)
                + (item.at("oauth2-client-credentials").isAbsent() ? 0 : 1);
        if (given > 1) {
            problems.add(item, "give at most one of headers, basic-auth and oauth2-client-credentials");
        }
        if (!item.at("basic-auth").isAbsent()) {
            ConfigNode basic = problems.map(item, "basic-auth");
            problems.rejectUnknownKeys(basic, Set.of("user", "password"));
            String user = problems.requiredString(basic, "user");
            if (user.indexOf(':') >= 0) {
                problems.add(basic.at("user"), "a basic-auth user cannot contain ':'");
            }
            return new WebTarget.Credential.Basic(user, secrets.resolve(basic.at("password"), problems));
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
            return new WebTarget.Credential.OAuth2(tokenUrl, problems.requiredString(oauth, "client-id"),
                    secrets.resolve(oauth.at("client-secret"), problems), problems.optionalString(oauth, "scope"),
                    problems.optionalString(oauth, "audience"));
        }
        List<WebTarget.SecretHeader> headers = new ArrayList<>();
        for (Map.Entry<String, ConfigNode> e : problems.map(item, "headers").entries().entrySet()) {
            String name = e.getKey();
            if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                problems.add(e.getValue(), "invalid header name '" + HostPort.shorten(name) + "'");
                continue;
            }
            Secret value = secrets.resolve(e.getValue(), problems);
            if (value.reveal().indexOf('\r') >= 0 || value.reveal().indexOf('\n') >= 0) {
                problems.add(e.getValue(), "a header value cannot contain a line break");
                continue;
            }
            headers.add(new WebTarget.SecretHeader(name, value));
        }
        return headers.isEmpty() ? new WebTarget.Credential.None() : new WebTarget.Credential.Headers(headers);
    }
}
