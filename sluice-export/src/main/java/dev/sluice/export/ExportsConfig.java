package dev.sluice.export;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.core.Secret;
import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.SecretResolver;

/** Binds the top-level {@code exports} list into {@link SinkConfig}s, reporting every problem. */
public final class ExportsConfig {
    private static final List<String> TYPES = List.of("stdout", "file", "syslog", "http", "kafka");
    private static final Set<String> COMMON = Set.of("type", "name", "batch-size");
    private static final Map<String, Set<String>> KEYS = Map.of(
            "stdout", Set.of(),
            "file", Set.of("path", "max-size", "keep"),
            "syslog", Set.of("address", "tls", "ca-file", "framing", "app-name"),
            "http", Set.of("url", "timeout", "headers"),
            "kafka", Set.of("bootstrap", "topic", "timeout"));
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,12})\\s*(B|KB|MB|GB)?");
    private static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024;

    private ExportsConfig() {
    }

    /** The sinks of {@code root}'s {@code exports} list (empty when absent); header values resolved from {@code env}. */
    public static List<SinkConfig> bind(ConfigNode root, ConfigProblems problems, Map<String, String> env) {
        List<SinkConfig> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<ConfigNode> items = problems.list(root, "exports").items();
        for (int i = 0; i < items.size(); i++) {
            ConfigNode item = items.get(i);
            if (!problems.expectMap(item)) {
                if (item.isAbsent()) {
                    problems.add(item, "expected a map, got " + item.describe());
                }
                continue;
            }
            String type = problems.oneOf(item, "type", "", TYPES);
            if (type.isEmpty()) {
                if (item.at("type").isMissing()) {
                    problems.add(item, "missing required key 'type'");
                }
                continue;
            }
            Set<String> allowed = new HashSet<>(COMMON);
            allowed.addAll(KEYS.get(type));
            problems.rejectUnknownKeys(item, allowed);
            String name = problems.string(item, "name", type + "-" + (i + 1));
            if (!NAME.matcher(name).matches()) {
                problems.add(item.at("name"), "a sink name is 1-63 lower-case letters, digits and '-'");
            } else if (!names.add(name)) {
                problems.add(item.at("name"), "duplicate sink name '" + name + "'");
            }
            int batch = problems.integer(item, "batch-size", 100, 1, 10_000);
            bindOne(type, name, batch, item, problems, env).ifPresent(result::add);
        }
        return List.copyOf(result);
    }

    private static Optional<SinkConfig> bindOne(String type, String name, int batch, ConfigNode item,
                                                ConfigProblems problems, Map<String, String> env) {
        return switch (type) {
            case "stdout" -> Optional.of(new SinkConfig.Stdout(name, batch));
            case "file" -> {
                Optional<Path> path = problems.path(item, "path");
                if (item.at("path").isMissing()) {
                    problems.add(item, "missing required key 'path'");
                }
                long max = size(item, problems);
                int keep = problems.integer(item, "keep", 5, 1, 100);
                yield path.map(p -> new SinkConfig.File(name, batch, p, max, keep));
            }
            case "syslog" -> {
                Optional<HostPort> address = problems.hostPort(item, "address");
                if (item.at("address").isMissing()) {
                    problems.add(item, "missing required key 'address'");
                }
                boolean tls = problems.bool(item, "tls", false);
                Optional<Path> ca = problems.path(item, "ca-file");
                String framing = problems.oneOf(item, "framing", "octet-counting", List.of("octet-counting", "newline"));
                String app = problems.string(item, "app-name", "sluice");
                yield address.map(a -> new SinkConfig.Syslog(name, batch, a, tls, ca, framing, app));
            }
            case "http" -> {
                Optional<URI> url = url(item, problems);
                Duration timeout = problems.duration(item, "timeout", Duration.ofSeconds(10));
                Map<String, Secret> headers = new LinkedHashMap<>();
                SecretResolver secrets = new SecretResolver(env);
                problems.map(item, "headers").entries()
                        .forEach((key, value) -> headers.put(key, secrets.resolve(value, problems)));
                yield url.map(u -> new SinkConfig.Http(name, batch, u, timeout, headers));
            }
            case "kafka" -> {
                String bootstrap = problems.requiredString(item, "bootstrap");
                String topic = problems.requiredString(item, "topic");
                Duration timeout = problems.duration(item, "timeout", Duration.ofSeconds(30));
                yield bootstrap.isBlank() || topic.isBlank() ? Optional.empty()
                        : Optional.of(new SinkConfig.Kafka(name, batch, bootstrap, topic, timeout));
            }
            default -> Optional.empty();
        };
    }

    private static Optional<URI> url(ConfigNode item, ConfigProblems problems) {
        String text = problems.requiredString(item, "url");
        if (text.isBlank()) {
            return Optional.empty();
        }
        try {
            URI result = new URI(text);
            String scheme = result.getScheme() == null ? "" : result.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && result.getHost() != null) {
                return Optional.of(result);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        problems.add(item.at("url"), "expected an http:// or https:// URL");
        return Optional.empty();
    }

    /** {@code 10MB}, {@code 512KB}, {@code 1GB} or a number of bytes; at least 1 KB. */
    private static long size(ConfigNode item, ConfigProblems problems) {
        Optional<String> text = problems.optionalString(item, "max-size");
        if (text.isEmpty()) {
            return DEFAULT_MAX_SIZE;
        }
        Matcher m = SIZE.matcher(text.get().trim().toUpperCase(Locale.ROOT));
        if (m.matches()) {
            long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
                case "KB" -> 1024L;
                case "MB" -> 1024L * 1024;
                case "GB" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            long result = Long.parseLong(m.group(1)) * unit;
            if (result >= 1024 && result <= 1024L * 1024 * 1024 * 1024) {
                return result;
            }
        }
        problems.add(item.at("max-size"), "expected a size from 1KB to 1024GB such as 10MB");
        return DEFAULT_MAX_SIZE;
    }
}
