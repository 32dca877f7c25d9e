package dev.sluice.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads a Sluice configuration file (YAML, kebab-case keys) into a {@link SluiceConfig}, reporting every problem at
 * once as a {@link ConfigException}. See {@code docs/configuration.md} for the keys.
 */
public final class ConfigLoader {
    static final Set<String> TOP_KEYS = Set.of("listen", "data-dir", "identity", "tls", "connections", "policies",
            "policy-dir", "masking", "audit", "approvals", "recording", "api", "exports", "limits", "logging",
            "shutdown", "metrics", "https", "console", "relays", "ssh");
    private static final Set<String> LIMITS_KEYS = java.util.stream.Stream.concat(ListenerLimits.KEYS.stream(),
            LimitsConfig.KEYS.stream()).collect(java.util.stream.Collectors.toUnmodifiableSet());
    static final String DEFAULT_DATA_DIR = "./sluice-data";
    /** Larger files are refused before parsing; a configuration is a few kilobytes. */
    static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    private ConfigLoader() {
    }

    /** Loads {@code file}, resolving {@code ${env:...}} against the process environment. */
    public static SluiceConfig load(Path file) {
        return load(file, System.getenv());
    }

    /** Loads {@code file}, resolving {@code ${env:...}} against {@code env}. */
    public static SluiceConfig load(Path file, Map<String, String> env) {
        return parse(file, read(file), env);
    }

    /**
     * Parses YAML text; {@code nameForErrors} names the file in problems and is the base for relative paths.
     *
     * @throws ConfigException carrying every problem found
     */
    public static SluiceConfig parse(Path nameForErrors, String yaml, Map<String, String> env) {
        ConfigNode raw = ConfigNode.parse(nameForErrors, yaml);
        ConfigProblems problems = new ConfigProblems();
        if (!raw.isMap() && !raw.isAbsent()) {
            problems.add(raw, "expected a map of settings at the top level, got " + raw.describe());
            problems.throwIfAny();
        }
        problems.rejectUnknownKeys(raw, TOP_KEYS);
        ListenConfig listen = ListenConfig.bind(raw, problems);
        Path dataDir = problems.path(raw, "data-dir")
                .orElseGet(() -> ConfigProblems.resolve(nameForErrors, DEFAULT_DATA_DIR));
        IdentityConfig identity = IdentityConfig.bind(raw, problems);
        TlsConfig tls = TlsConfig.bind(raw, listen, problems);
        List<ConnectionConfig> connections = ConnectionsBinder.bind(raw, new SecretResolver(env), problems);
        ConfigNode policies = problems.list(raw, "policies");
        Optional<Path> policyDir = problems.path(raw, "policy-dir");
        ConfigNode masking = problems.list(raw, "masking");
        problems.map(raw, "audit");
        // limits: the listener's keys (ListenerLimits) and the statement-cost keys (LimitsConfig) share one section
        ConfigNode limits = problems.map(raw, "limits");
        problems.rejectUnknownKeys(limits, LIMITS_KEYS);
        ListenerLimits.bind(limits, problems);
        LimitsConfig.bind(raw, problems);
        HttpsConfig.bind(raw, problems);
        SshListenerConfig.bind(raw, problems);
        ConsoleSettings.bind(raw, env, problems); // identity.people and console: reported with the rest
        problems.throwIfAny();
        return new SluiceConfig(nameForErrors, listen, dataDir, identity, tls, connections, policies, policyDir,
                masking, raw);
    }

    private static String read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw failure(file, "the file is larger than " + MAX_FILE_BYTES + " bytes");
            }
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw failure(file, "the configuration file does not exist");
        } catch (CharacterCodingException e) {
            throw failure(file, "the file is not valid UTF-8");
        } catch (IOException e) {
            throw failure(file, "cannot read the configuration file (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static ConfigException failure(Path file, String message) {
        return new ConfigException(List.of(new ConfigProblem(file, 1, "", message)));
    }
}
