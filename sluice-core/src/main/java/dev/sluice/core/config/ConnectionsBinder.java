package dev.sluice.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;


/** Binds the {@code connections} list, recording every problem of every item. */
final class ConnectionsBinder {
    /** The keys every connection has; its type adds its target's ({@link TargetBinders}). */
    static final Set<String> KEYS = Set.of("name", "type", "address", "allow", "labels", "default", "require-grant",
            "via");
    /** A relay group's name, as {@code via} and the relay's {@code group} spell it. */
    static final java.util.regex.Pattern GROUP = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    /** What a relay holds for a {@code via} connection: none of these may stand beside {@code via}. */
    static final Map<String, Set<String>> CREDENTIAL_KEYS = Map.of(PostgresTarget.TYPE, Set.of("user", "password",
            "tls"), WebTarget.KUBERNETES, Set.of("token", "client-cert", "client-key", "ca-file",
            "insecure-skip-verify"), WebTarget.HTTP, Set.of("headers", "basic-auth", "oauth2-client-credentials",
            "ca-file", "insecure-skip-verify"), SshTarget.TYPE, Set.of("user", "users", "private-key", "password",
            "certificate-authority", "host-key"));

    private ConnectionsBinder() {
    }

    static List<ConnectionConfig> bind(ConfigNode root, SecretResolver secrets, ConfigProblems problems) {
        List<ConnectionConfig> result = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (ConfigNode item : problems.list(root, "connections").items()) {
            if (!item.isMap()) {
                problems.add(item, "expected a map describing a connection, got " + item.describe());
                continue;
            }
            Optional<String> name = name(item, problems);
            if (name.isPresent() && firstLine.containsKey(name.get())) {
                problems.add(item.at("name"), "duplicate connection name '" + name.get()
                        + "' (first defined on line " + firstLine.get(name.get()) + ")");
                name = Optional.empty();
            }
            name.ifPresent(n -> firstLine.put(n, item.at("name").line()));
            one(item, name, secrets, problems).ifPresent(result::add);
        }
        return List.copyOf(result);
    }

    private static Optional<String> name(ConfigNode item, ConfigProblems problems) {
        String name = problems.requiredString(item, "name");
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (!ConnectionConfig.NAME.matcher(name).matches()) {
            problems.add(item.at("name"), "invalid connection name '" + HostPort.shorten(name)
                    + "' (expected lower-case letters, digits, '-' and '_', starting with a letter or digit, "
                    + "at most 63 characters)");
            return Optional.empty();
        }
        return Optional.of(name);
    }

    private static Optional<ConnectionConfig> one(ConfigNode item, Optional<String> name, SecretResolver secrets,
                                                  ConfigProblems problems) {
        int before = problems.count();
        String type = problems.string(item, "type", PostgresTarget.TYPE);
        TargetBinders.Type binder = TargetBinders.TYPES.get(type);
        if (binder == null) {
            problems.add(item.at("type"), "unsupported type '" + HostPort.shorten(type) + "', expected one of: "
                    + String.join(", ", TargetBinders.TYPES.keySet()));
            // the rest is checked as the default type's, so that one run reports every problem
            binder = TargetBinders.TYPES.get(PostgresTarget.TYPE);
        }
        Set<String> keys = new java.util.HashSet<>(KEYS);
        keys.addAll(binder.keys());
        problems.rejectUnknownKeys(item, keys);
        Optional<String> via = via(item, type, problems);
        Optional<HostPort> address = via.isPresent() ? viaAddress(item, via.get(), problems)
                : binder.urlAddress() ? urlAddress(item) : address(item, problems);
        // a via web connection's URL, TLS and credential are the relay's: the gateway keeps only impersonate
        // an ssh via connection keeps no login, key or pin: the relay logs in and pins the host key
        Optional<Target> target = via.isPresent() && binder.urlAddress() ? Optional.of(WebTargetBinder.via(item, type,
                via.get(), problems)) : via.isPresent() && type.equals(SshTarget.TYPE) ? Optional.of(SshTarget.via())
                : binder.binder().bind(item, secrets, problems);
        AllowRule allow = AllowRule.bind(item, problems);
        Map<String, String> labels = problems.stringMap(item, "labels");
        String defaultAction = problems.oneOf(item, "default", "allow", ConnectionConfig.DEFAULT_ACTIONS);
        if (name.isEmpty() || address.isEmpty() || target.isEmpty() || problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new ConnectionConfig(name.get(), address.get(), target.get(), allow, labels,
                defaultAction, via));
    }

    /**
     * {@code via: GROUP}: a relay of that group reaches the target and holds its credential, so no credential key may
     * stand beside it (fail closed: a config that puts the secret on the gateway as well is refused, not ignored).
     */
    private static Optional<String> via(ConfigNode item, String type, ConfigProblems problems) {
        Optional<String> result = problems.optionalString(item, "via");
        if (result.isEmpty()) {
            return result;
        }
        if (!GROUP.matcher(result.get()).matches()) {
            problems.add(item.at("via"), "invalid relay group '" + HostPort.shorten(result.get())
                    + "' (expected lower-case letters, digits, '-' and '_', at most 63 characters)");
            return Optional.empty();
        }
        Set<String> credentials = CREDENTIAL_KEYS.get(type);
        if (credentials == null) {
            problems.add(item.at("via"), "'via' is supported for postgres, ssh, kubernetes and http connections only "
                    + "(type '" + HostPort.shorten(type) + "' is dialled by the gateway itself)");
            return Optional.empty();
        }
        for (String key : credentials.stream().sorted().toList()) {
            if (!item.at(key).isMissing()) {
                problems.add(item.at(key), "'" + key + "' is not allowed beside 'via': the relay of group '"
                        + result.get() + "' holds the target's address and credential (docs/relay.md)");
            }
        }
        return result;
    }

    /** A via connection's address is the relay's business; the gateway shows it as {@code GROUP:0}. */
    private static Optional<HostPort> viaAddress(ConfigNode item, String group, ConfigProblems problems) {
        if (!item.at("address").isMissing()) {
            problems.add(item.at("address"), "'address' is not allowed beside 'via': the relay of group '" + group
                    + "' names the target's address in its own config");
            return Optional.empty();
        }
        return Optional.of(new HostPort(group.replace('_', '-'), 0));
    }

    /** The dialer's host:port of a URL address; its problems are the target binder's to report. */
    private static Optional<HostPort> urlAddress(ConfigNode item) {
        ConfigProblems quiet = new ConfigProblems();
        return item.at("address").isScalar() ? WebTargetBinder.url(item, quiet).map(WebTargetBinder::hostPort)
                : Optional.empty();
    }

    private static Optional<HostPort> address(ConfigNode item, ConfigProblems problems) {
        if (item.at("address").isMissing()) {
            problems.add(item, "missing required key 'address'");
            return Optional.empty();
        }
        if (item.at("address").isNull()) {
            problems.add(item.at("address"), "a value is required");
            return Optional.empty();
        }
        Optional<HostPort> result = problems.hostPort(item, "address");
        if (result.filter(a -> a.port() == 0).isPresent()) {
            problems.add(item.at("address"), "port 0 is not a valid target port");
            return Optional.empty();
        }
        return result;
    }
}
