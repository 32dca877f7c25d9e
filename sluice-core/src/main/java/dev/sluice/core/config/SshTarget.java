package dev.sluice.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.Secret;

/**
 * A host reached over SSH ({@code type: ssh}). Its {@code toString} is safe to log: credentials are {@link Secret}s.
 *
 * @param user       the login on the target (key {@code user})
 * @param users      further logins a caller may pick with {@code LOGIN+CONNECTION} (key {@code users}; the
 *                   {@code user} is always allowed)
 * @param credential how Sluice logs in: {@code private-key}, {@code password} or {@code certificate-authority: true}
 *                   (exactly one)
 * @param hostKey    the pinned host key (key {@code host-key}): an OpenSSH public key line, a known_hosts line or a
 *                   {@code SHA256:} fingerprint; the protocol compares it with what the target presents
 * @param forwards   a relay's target only (key {@code forwards}): the {@code host:port} destinations the relay opens
 *                   {@code direct-tcpip} channels to on the host; a gateway connection judges forwards by policy
 */
public record SshTarget(String user, List<String> users, Credential credential, String hostKey,
                        List<String> forwards) implements Target {
    public static final String TYPE = "ssh";
    static final Set<String> KEYS = Set.of("user", "users", "private-key", "password", "certificate-authority",
            "host-key");
    private static final java.util.regex.Pattern LOGIN = java.util.regex.Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
    private static final java.util.regex.Pattern KEY_LINE = java.util.regex.Pattern.compile(
            "(?:\\S+\\s+)?(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)\\s+[A-Za-z0-9+/]+={0,3}(?:\\s.*)?");
    private static final java.util.regex.Pattern FINGERPRINT = java.util.regex.Pattern.compile(
            "SHA256:[A-Za-z0-9+/]{43}=?");

    /** How Sluice logs in to the target. */
    public sealed interface Credential {
        /** An OpenSSH private key (unencrypted), e.g. {@code ${file:/etc/sluice/keys/web-1}}. */
        record PrivateKey(Secret key) implements Credential {
        }

        record Password(Secret password) implements Credential {
        }

        /** A short-lived user certificate Sluice signs with its own CA for each session. */
        record CertificateAuthority() implements Credential {
        }

        /**
         * A {@code via} connection: a relay of the connection's group holds the key and the host-key pin and logs in
         * itself; the gateway asks it for channels (docs/relay.md).
         */
        record Relay() implements Credential {
        }
    }

    public SshTarget {
        Objects.requireNonNull(user, "user");
        users = List.copyOf(users);
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(hostKey, "hostKey");
        forwards = List.copyOf(forwards);
    }

    /** A gateway connection's target (no relay forwards). */
    public SshTarget(String user, List<String> users, Credential credential, String hostKey) {
        this(user, users, credential, hostKey, List.of());
    }

    /** The same target, a relay's, opening {@code direct-tcpip} channels to {@code destinations} only. */
    public SshTarget withForwards(List<String> destinations) {
        return new SshTarget(user, users, credential, hostKey, destinations);
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Whether a caller may log in to the target as {@code login}. */
    public boolean allowsLogin(String login) {
        return user.equals(login) || users.contains(login);
    }

    /**
     * A {@code via} connection's target on the gateway: no login, credential or pin (the relay's config holds them),
     * so callers cannot pick another login ({@code LOGIN+CONNECTION} is refused).
     */
    public static SshTarget via() {
        return new SshTarget("", List.of(), new Credential.Relay(), "");
    }

    /** Binds the target keys of one item (a gateway connection, or a relay's target); every problem is recorded. */
    public static Optional<Target> bind(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        int before = problems.count();
        String user = problems.requiredString(item, "user");
        if (!user.isEmpty() && !LOGIN.matcher(user).matches()) {
            problems.add(item.at("user"), "expected a login name (lower-case letters, digits, '_', '.', '-')");
        }
        List<String> users = problems.stringList(item, "users");
        for (int i = 0; i < users.size(); i++) {
            if (!LOGIN.matcher(users.get(i)).matches()) {
                problems.add(item.at("users"), "expected login names (lower-case letters, digits, '_', '.', '-'), "
                        + "got '" + HostPort.shorten(users.get(i)) + "'");
            }
        }
        Optional<Credential> credential = credential(item, secrets, problems);
        String hostKey = problems.requiredString(item, "host-key").strip();
        if (!hostKey.isEmpty() && !KEY_LINE.matcher(hostKey).matches() && !FINGERPRINT.matcher(hostKey).matches()) {
            problems.add(item.at("host-key"), "expected an OpenSSH public key line (ssh-ed25519 AAAA…), a known_hosts "
                    + "line or a SHA256: fingerprint");
        }
        if (problems.count() != before || credential.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SshTarget(user, users, credential.get(), hostKey));
    }

    private static Optional<Credential> credential(ConfigNode item, SecretResolver secrets, ConfigProblems problems) {
        boolean authority = problems.bool(item, "certificate-authority", false);
        boolean key = !item.at("private-key").isMissing();
        boolean password = !item.at("password").isMissing();
        int count = (authority ? 1 : 0) + (key ? 1 : 0) + (password ? 1 : 0);
        if (count != 1) {
            problems.add(item, count == 0
                    ? "missing the target credential: one of 'private-key', 'password' or 'certificate-authority: true'"
                    : "give exactly one of 'private-key', 'password' and 'certificate-authority: true'");
            return Optional.empty();
        }
        if (authority) {
            return Optional.of(new Credential.CertificateAuthority());
        }
        Secret secret = secrets.resolve(item.at(key ? "private-key" : "password"), problems);
        if (secret.isEmpty()) {
            problems.add(item.at(key ? "private-key" : "password"), "a value is required");
            return Optional.empty();
        }
        if (key && !secret.reveal().contains("PRIVATE KEY-----")) {
            problems.add(item.at("private-key"), "expected an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)");
            return Optional.empty();
        }
        return Optional.of(key ? new Credential.PrivateKey(secret) : new Credential.Password(secret));
    }
}
