package dev.sluice.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The SSH listener's settings, section {@code ssh} (its address is {@code listen.ssh}; who may log in is
 * {@code identity.ssh}). See docs/ssh.md.
 *
 * @param ciphers key {@code ciphers}: the ciphers the listener offers callers, in order of preference, each one of
 *                {@link #SUPPORTED_CIPHERS} (default {@link #DEFAULT_CIPHERS}, AES-GCM only; add {@code aes128-ctr}
 *                for clients without AES-GCM). Taken when the listener starts.
 */
public record SshListenerConfig(List<String> ciphers) {
    static final Set<String> KEYS = Set.of("ciphers");
    /** The ciphers the SSH module implements on the CPU's AES instructions; no CBC, RC4, 3DES or ChaCha20. */
    public static final List<String> SUPPORTED_CIPHERS = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
            "aes128-ctr", "aes192-ctr", "aes256-ctr");
    /** AES-GCM only: OpenSSH lists AES-CTR first, and takes GCM only where CTR is not offered. */
    public static final List<String> DEFAULT_CIPHERS = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com");

    public SshListenerConfig {
        ciphers = List.copyOf(ciphers);
        if (ciphers.isEmpty() || !SUPPORTED_CIPHERS.containsAll(ciphers)) {
            throw new IllegalArgumentException("ciphers must be a non-empty subset of " + SUPPORTED_CIPHERS);
        }
    }

    public static SshListenerConfig defaults() {
        return new SshListenerConfig(DEFAULT_CIPHERS);
    }

    /** The section of a loaded configuration (validated when it was loaded). */
    public static SshListenerConfig of(SluiceConfig config) {
        ConfigProblems problems = new ConfigProblems();
        SshListenerConfig result = bind(config.raw(), problems);
        problems.throwIfAny();
        return result;
    }

    static SshListenerConfig bind(ConfigNode root, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "ssh");
        problems.rejectUnknownKeys(node, KEYS);
        if (node.at("ciphers").isAbsent()) {
            return defaults();
        }
        List<String> result = new ArrayList<>();
        for (ConfigNode item : problems.list(node, "ciphers").items()) {
            if (!item.isScalar() || item.isNull()) {
                problems.add(item, "expected a cipher name, got " + item.describe());
            } else if (!SUPPORTED_CIPHERS.contains(item.text())) {
                problems.add(item, "unsupported cipher '" + HostPort.shorten(item.text()) + "' (expected one of: "
                        + String.join(", ", SUPPORTED_CIPHERS) + ")");
            } else if (!result.contains(item.text())) {
                result.add(item.text());
            }
        }
        if (result.isEmpty()) {
            // Fail closed on the config, not at the first connection: a listener with no cipher admits nobody.
            if (node.at("ciphers").isList() && node.at("ciphers").items().isEmpty()) {
                problems.add(node.at("ciphers"), "expected at least one cipher");
            }
            return defaults();
        }
        return new SshListenerConfig(result);
    }
}
