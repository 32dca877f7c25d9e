package dev.sluice.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.Secret;
import dev.sluice.core.config.AllowRule;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.PostgresTarget;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.config.SshTarget;
import dev.sluice.core.config.UpstreamTls;
import dev.sluice.core.config.WebTarget;

/**
 * A relay's {@code relay.yaml}: the gateway it dials, its group, its data dir, and the targets it serves with their
 * credentials ({@code ${env:...}} / {@code ${file:...}} as in the gateway's config). Problems name
 * {@code FILE:LINE: key}. Its {@code toString} never shows a password ({@link Secret}).
 *
 * @param gateway   {@code gateway}: {@code https://host:port} or {@code host:port} of the gateway's relay listener
 * @param group     {@code group}: the group it was enrolled in
 * @param dataDir   {@code data-dir} (default {@code ./relay-data} next to the file): its key and certificates
 * @param heartbeat {@code heartbeat} (default 5s)
 * @param targets   {@code targets}: by the gateway's connection name
 */
public record RelayConfig(Path source, HostPort gateway, String group, Path dataDir, Duration heartbeat,
                          Map<String, RelayTarget> targets) {
    static final Set<String> KEYS = Set.of("gateway", "group", "data-dir", "heartbeat", "targets");
    static final Set<String> TARGET_KEYS = Set.of("connection", "type", "address", "user", "password", "database",
            "tls");
    static final Set<String> WEB_TARGET_KEYS = Set.of("connection", "type", "address");
    /** An ssh target: the keys of a gateway ssh connection but {@code users} and {@code certificate-authority}. */
    static final Set<String> SSH_TARGET_KEYS = Set.of("connection", "type", "address", "user", "private-key",
            "password", "host-key", "forwards");

    public RelayConfig {
        targets = Map.copyOf(targets);
    }

    /**
     * One target the relay serves: the gateway's connection name, the address and the credential.
     *
     * @param database empty: the gateway's startup parameter says which database
     */
    public record RelayTarget(String connection, String type, HostPort address, String user, Secret password,
                              Optional<String> database, UpstreamTls tls, Optional<WebTarget> web,
                              Optional<SshTarget> ssh) {

        /** A PostgreSQL target. */
        public RelayTarget(String connection, String type, HostPort address, String user, Secret password,
                           Optional<String> database, UpstreamTls tls) {
            this(connection, type, address, user, password, database, tls, Optional.empty(), Optional.empty());
        }

        /**
         * The connection as the protocol's login sees it: for PostgreSQL, for the database the gateway asked for; for
         * a web target, its URL, TLS and credential (the gateway's parameters play no part).
         */
        ConnectionConfig connection(Map<String, String> parameters) throws IOException {
            if (web.isPresent()) {
                return new ConnectionConfig(connection, address, web.get(), AllowRule.nobody(), Map.of(), "deny");
            }
            if (ssh.isPresent()) {
                return new ConnectionConfig(connection, address, ssh.get(), AllowRule.nobody(), Map.of(), "deny");
            }
            String name = database.orElse(parameters.getOrDefault("database", ""));
            if (name.isEmpty()) {
                throw new IOException("no database named for connection \"" + connection + "\"");
            }
            return new ConnectionConfig(connection, address, new PostgresTarget(name, user, password, tls),
                    AllowRule.nobody(), Map.of(), "deny");
        }
    }

    public static RelayConfig load(Path file) {
        Path source = file.toAbsolutePath();
        String text;
        try {
            text = Files.readString(source, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(source, 1, "", "cannot read the relay config ("
                    + e.getClass().getSimpleName() + ")")));
        }
        ConfigNode root = ConfigNode.parse(source, text);
        ConfigProblems problems = new ConfigProblems();
        problems.rejectUnknownKeys(root, KEYS);
        String gatewayText = problems.requiredString(root, "gateway");
        Optional<HostPort> gateway = Optional.empty();
        if (!gatewayText.isEmpty()) {
            String address = gatewayText.replaceFirst("^https://", "").replaceFirst("/$", "");
            try {
                gateway = Optional.of(HostPort.parse(address));
            } catch (IllegalArgumentException e) {
                problems.add(root.at("gateway"), e.getMessage());
            }
        }
        String group = problems.requiredString(root, "group");
        if (!group.isEmpty() && !group.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            problems.add(root.at("group"), "invalid relay group '" + group + "'");
        }
        Path dataDir = problems.path(root, "data-dir")
                .orElse(ConfigProblems.resolve(source, "./relay-data"));
        Duration heartbeat = problems.duration(root, "heartbeat", Duration.ofSeconds(5));
        Map<String, RelayTarget> targets = new HashMap<>();
        SecretResolver secrets = new SecretResolver(System.getenv());
        for (ConfigNode item : problems.list(root, "targets").items()) {
            target(item, secrets, problems).ifPresent(t -> {
                if (targets.putIfAbsent(t.connection(), t) != null) {
                    problems.add(item.at("connection"), "duplicate connection '" + t.connection() + "'");
                }
            });
        }
        problems.throwIfAny();
        return new RelayConfig(source, gateway.orElseThrow(), group, dataDir, heartbeat, targets);
    }

    private static Optional<RelayTarget> target(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        if (!item.isMap()) {
            problems.add(item, "expected a map describing a target, got " + item.describe());
            return Optional.empty();
        }
        int before = problems.count();
        String type = problems.string(item, "type", PostgresTarget.TYPE);
        if (type.equals(WebTarget.HTTP) || type.equals(WebTarget.KUBERNETES)) {
            return webTarget(item, type, secrets, problems);
        }
        if (type.equals(SshTarget.TYPE)) {
            return sshTarget(item, secrets, problems);
        }
        problems.rejectUnknownKeys(item, TARGET_KEYS);
        String connection = problems.requiredString(item, "connection");
        if (!type.equals(PostgresTarget.TYPE)) {
            problems.add(item.at("type"), "the relay serves postgres, ssh, kubernetes and http targets only");
        }
        if (item.at("address").isMissing()) {
            problems.add(item, "missing required key 'address'");
        }
        Optional<HostPort> address = problems.hostPort(item, "address");
        String user = problems.requiredString(item, "user");
        Secret password = secrets.resolve(item.at("password"), problems);
        Optional<String> database = problems.optionalString(item, "database");
        UpstreamTls tls = UpstreamTls.bind(item, problems);
        if (address.isEmpty() || problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new RelayTarget(connection, type, address.get(), user, password, database, tls));
    }

    /** A kubernetes or http target: its URL, TLS and credential keys as a gateway connection of the type has them. */
    private static Optional<RelayTarget> webTarget(ConfigNode item, String type, SecretResolver secrets,
                                                   ConfigProblems problems) {
        int before = problems.count();
        Set<String> keys = new java.util.HashSet<>(WEB_TARGET_KEYS);
        keys.addAll(WebTarget.keys(type));
        problems.rejectUnknownKeys(item, keys);
        String connection = problems.requiredString(item, "connection");
        Optional<WebTarget> web = WebTarget.bind(item, type, secrets, problems);
        if (web.isEmpty() || problems.count() != before) {
            return Optional.empty();
        }
        java.net.URI url = web.get().url();
        boolean https = url.getScheme().equalsIgnoreCase("https");
        String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1)
                : url.getHost();
        HostPort address = new HostPort(host, url.getPort() > 0 ? url.getPort() : https ? 443 : 80);
        return Optional.of(new RelayTarget(connection, type, address, "", Secret.of(""), Optional.empty(),
                new UpstreamTls(UpstreamTls.Mode.DISABLE, Optional.empty()), web, Optional.empty()));
    }

    /**
     * An ssh target: its address, login, key or password, and host-key pin, as a gateway ssh connection has them. The
     * relay logs in with a stored credential only ({@code certificate-authority} is the gateway's CA, which a relay
     * does not have) and as its one {@code user} (the gateway cannot pick another login); {@code forwards} lists the
     * {@code host:port} destinations (as the host resolves them) it opens {@code direct-tcpip} channels to.
     */
    private static Optional<RelayTarget> sshTarget(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        int before = problems.count();
        problems.rejectUnknownKeys(item, SSH_TARGET_KEYS);
        String connection = problems.requiredString(item, "connection");
        if (item.at("address").isMissing()) {
            problems.add(item, "missing required key 'address'");
        }
        Optional<HostPort> address = problems.hostPort(item, "address");
        List<String> forwards = new ArrayList<>();
        for (String destination : problems.stringList(item, "forwards")) {
            try {
                HostPort parsed = HostPort.parse(destination);
                if (parsed.port() == 0) {
                    throw new IllegalArgumentException("port 0 is not a destination");
                }
                forwards.add(parsed.host().toLowerCase(java.util.Locale.ROOT) + ":" + parsed.port());
            } catch (IllegalArgumentException e) {
                problems.add(item.at("forwards"), "expected host:port destinations, got '"
                        + (destination.length() > 40 ? destination.substring(0, 40) + "…" : destination) + "' (" + e.getMessage() + ")");
            }
        }
        Optional<SshTarget> ssh = SshTarget.bind(item, secrets, problems).map(SshTarget.class::cast)
                .map(t -> t.withForwards(forwards));
        if (address.isEmpty() || ssh.isEmpty() || problems.count() != before) {
            return Optional.empty();
        }
        return Optional.of(new RelayTarget(connection, SshTarget.TYPE, address.get(), ssh.get().user(), Secret.of(""),
                Optional.empty(), new UpstreamTls(UpstreamTls.Mode.DISABLE, Optional.empty()), Optional.empty(), ssh));
    }

    /** The connections it serves, sorted (what its hello tells the gateway). */
    List<String> connections() {
        List<String> result = new ArrayList<>(targets.keySet());
        result.sort(String::compareTo);
        return result;
    }
}
