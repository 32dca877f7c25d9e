package dev.sluice.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import dev.sluice.core.Secret;

/**
 * One target database (an item of {@code connections}). Its {@code toString} is safe to log: the password is a
 * {@link Secret}.
 *
 * @param name          unique, {@code [a-z0-9][a-z0-9_-]*}, at most 63 characters; what callers ask for
 * @param type          the protocol; only {@code postgres} for now (the default)
 * @param address       the target's {@code host:port}
 * @param database      the database on the target
 * @param user          the user Sluice logs in as
 * @param password      the target credential, resolved from {@code ${env:...}} / {@code ${file:...}}; empty for
 *                      trust authentication
 * @param tls           TLS to the target
 * @param allow         who may connect
 * @param labels        free-form labels for policies and display, in configuration order
 * @param defaultAction what the policy engine does with a statement no policy decides: {@code allow} or
 *                      {@code deny} (key {@code default}, default {@code allow})
 */
public record ConnectionConfig(String name, String type, HostPort address, String database, String user,
                               Secret password, UpstreamTls tls, AllowRule allow, Map<String, String> labels,
                               String defaultAction) {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    public static final List<String> TYPES = List.of("postgres");
    public static final List<String> DEFAULT_ACTIONS = List.of("allow", "deny");

    public ConnectionConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(allow, "allow");
        Objects.requireNonNull(defaultAction, "defaultAction");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid connection name (expected [a-z0-9][a-z0-9_-]*)");
        }
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unsupported type " + type + ", expected one of: " + TYPES);
        }
        if (!DEFAULT_ACTIONS.contains(defaultAction)) {
            throw new IllegalArgumentException("default must be allow or deny");
        }
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** Whether a statement that no policy decides is denied. */
    public boolean denyByDefault() {
        return defaultAction.equals("deny");
    }
}
