package dev.sluice.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;


/**
 * One connection (an item of {@code connections}): a name callers ask for, who may use it, and the {@link Target}
 * it reaches. Its {@code toString} is safe to log: credentials are {@link dev.sluice.core.Secret}s.
 *
 * @param name          unique, {@code [a-z0-9][a-z0-9_-]*}, at most 63 characters; what callers ask for
 * @param address       the target's {@code host:port} (what the dialer connects to)
 * @param target        the protocol's target and credential, by {@code type}
 * @param allow         who may connect
 * @param labels        free-form labels for policies and display, in configuration order
 * @param defaultAction what the policy engine does with a command no policy decides: {@code allow} or
 *                      {@code deny} (key {@code default}, default {@code allow})
 * @param via           the relay group that reaches the target (key {@code via}): the gateway holds no credential
 *                      for it and its dialer asks a relay of that group for an authenticated upstream
 *                      (docs/relay.md); empty for a target the gateway dials itself
 */
public record ConnectionConfig(String name, HostPort address, Target target, AllowRule allow,
                               Map<String, String> labels, String defaultAction, Optional<String> via) {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    public static final List<String> DEFAULT_ACTIONS = List.of("allow", "deny");

    public ConnectionConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(allow, "allow");
        Objects.requireNonNull(defaultAction, "defaultAction");
        Objects.requireNonNull(via, "via");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid connection name (expected [a-z0-9][a-z0-9_-]*)");
        }
        if (!DEFAULT_ACTIONS.contains(defaultAction)) {
            throw new IllegalArgumentException("default must be allow or deny");
        }
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** A connection the gateway dials itself. */
    public ConnectionConfig(String name, HostPort address, Target target, AllowRule allow,
                            Map<String, String> labels, String defaultAction) {
        this(name, address, target, allow, labels, defaultAction, Optional.empty());
    }

    /** The protocol: the target's type ({@code postgres}, ...). */
    public String type() {
        return target.type();
    }

    /** Whether a command that no policy decides is denied. */
    public boolean denyByDefault() {
        return defaultAction.equals("deny");
    }
}
