package dev.sluice.ssh;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.util.net.SshdSocketAddress;

import dev.sluice.core.config.SshIdentityConfig;
import dev.sluice.core.identity.Principal;

/**
 * Maps an SSH public key or OpenSSH user certificate a caller proved to a verified {@link Principal}, from
 * {@code identity.ssh}: a registered key names its subject and groups; a certificate signed by a trusted user CA names
 * its subject as its one principal. MINA has already checked the certificate's own signature, type and validity;
 * this class checks again what Sluice's decision rests on (the CA is trusted, the validity window holds now, exactly
 * one principal, only critical options Sluice honours) and reads the options Sluice then enforces. Immutable; built
 * per configuration generation.
 */
final class SshIdentities {
    /** The issuer of principals proved by a registered key. */
    static final String KEY_ISSUER = "ssh-key";
    /** The issuer prefix of principals proved by a certificate: {@code ssh-ca:SHA256:…}. */
    static final String CA_ISSUER = "ssh-ca:";
    static final Set<String> KNOWN_CRITICAL_OPTIONS = Set.of("force-command", "source-address");

    private final Map<String, SshIdentityConfig.Key> keys;
    private final Set<String> caFingerprints;
    private final Set<String> caGroups;

    /** What a proved key or certificate establishes. */
    record Proof(Principal principal, Optional<Instant> validBefore, Optional<String> forceCommand,
                 boolean permitPty, boolean permitPortForwarding) {
    }

    /** Why a key or certificate does not prove an identity: safe to audit. */
    static final class NotProved extends Exception {
        private static final long serialVersionUID = 1L;

        NotProved(String message) {
            super(message);
        }
    }

    private SshIdentities(Map<String, SshIdentityConfig.Key> keys, Set<String> caFingerprints, Set<String> caGroups) {
        this.keys = keys;
        this.caFingerprints = caFingerprints;
        this.caGroups = caGroups;
    }

    /** Parses the configured keys; one that MINA cannot read is skipped (the config checked its syntax). */
    static SshIdentities of(SshIdentityConfig config) {
        Map<String, SshIdentityConfig.Key> keys = new HashMap<>();
        for (SshIdentityConfig.Key key : config.keys()) {
            parse(key.key()).ifPresent(k -> keys.put(HostKeyPin.fingerprintOf(k), key));
        }
        Set<String> cas = new java.util.HashSet<>();
        for (String line : config.trustedUserCaKeys()) {
            parse(line).ifPresent(k -> cas.add(HostKeyPin.fingerprintOf(k)));
        }
        return new SshIdentities(Map.copyOf(keys), Set.copyOf(cas), config.caGroups());
    }

    static Optional<PublicKey> parse(String line) {
        try {
            return Optional.ofNullable(AuthorizedKeyEntry.parseAuthorizedKeyEntry(line)
                    .resolvePublicKey(null, PublicKeyEntryResolver.FAILING));
        } catch (Exception | Error e) {
            return Optional.empty();
        }
    }

    /** Whether a key could prove anything at all (for MINA's "is this key acceptable" query). */
    boolean knows(PublicKey key) {
        if (key instanceof OpenSshCertificate cert) {
            return caFingerprints.contains(HostKeyPin.fingerprintOf(cert.getCaPubKey()));
        }
        return keys.containsKey(HostKeyPin.fingerprintOf(key));
    }

    /**
     * The identity {@code key} proves for a caller at {@code remote}, now.
     *
     * @throws NotProved with the reason, when it proves nothing
     */
    Proof prove(PublicKey key, SocketAddress remote, Instant now) throws NotProved {
        if (!(key instanceof OpenSshCertificate cert)) {
            SshIdentityConfig.Key registered = keys.get(HostKeyPin.fingerprintOf(key));
            if (registered == null) {
                throw new NotProved("public key " + HostKeyPin.fingerprintOf(key) + " is not registered");
            }
            return new Proof(new Principal(KEY_ISSUER, registered.subject(), registered.subject(),
                    registered.groups(), Principal.Kind.MACHINE, List.of()), Optional.empty(), Optional.empty(),
                    true, true);
        }
        String ca = HostKeyPin.fingerprintOf(cert.getCaPubKey());
        if (!caFingerprints.contains(ca)) {
            throw new NotProved("certificate " + quoted(cert.getId()) + " is signed by " + ca
                    + ", which is not a trusted user CA");
        }
        if (cert.getType() != OpenSshCertificate.Type.USER) {
            throw new NotProved("certificate " + quoted(cert.getId()) + " is not a user certificate");
        }
        if (!OpenSshCertificate.isValidAt(cert, now)) {
            throw new NotProved("certificate " + quoted(cert.getId()) + " is not valid now (expired or not yet valid)");
        }
        List<String> principals = List.copyOf(cert.getPrincipals());
        if (principals.size() != 1) {
            // Fail closed: which of several principals is the caller would be a guess.
            throw new NotProved("certificate " + quoted(cert.getId()) + " names " + principals.size()
                    + " principals (Sluice needs exactly one: the identity's subject)");
        }
        Map<String, String> critical = cert.getCriticalOptionsMap();
        for (String option : critical.keySet()) {
            if (!KNOWN_CRITICAL_OPTIONS.contains(option)) {
                throw new NotProved("certificate " + quoted(cert.getId()) + " has the critical option " + option
                        + ", which Sluice does not honour");
            }
        }
        if (critical.containsKey("source-address") && !sourceAllowed(critical.get("source-address"), remote)) {
            throw new NotProved("certificate " + quoted(cert.getId()) + " is not valid from this source address");
        }
        Map<String, String> extensions = cert.getExtensionsMap();
        Optional<Instant> validBefore = cert.getValidBefore() == OpenSshCertificate.INFINITY ? Optional.empty()
                : Optional.of(Instant.ofEpochSecond(Math.min(cert.getValidBefore(), Long.MAX_VALUE / 1000)));
        Principal principal = new Principal(CA_ISSUER + ca, principals.getFirst(), principals.getFirst(), caGroups,
                Principal.Kind.HUMAN, List.of());
        return new Proof(principal, validBefore, Optional.ofNullable(critical.get("force-command")),
                extensions.containsKey("permit-pty"), extensions.containsKey("permit-port-forwarding"));
    }

    private static String quoted(String id) {
        String value = id == null ? "" : id;
        return "\"" + (value.length() > 80 ? value.substring(0, 80) : value) + "\"";
    }

    /** {@code source-address}: comma-separated addresses and CIDR blocks. */
    static boolean sourceAllowed(String list, SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return false;
        }
        InetAddress address = inet.getAddress();
        for (String item : list.split(",")) {
            if (cidrContains(item.strip(), address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean cidrContains(String cidr, InetAddress address) {
        try {
            int slash = cidr.indexOf('/');
            InetAddress network = InetAddress.ofLiteral(slash < 0 ? cidr : cidr.substring(0, slash));
            byte[] a = network.getAddress();
            byte[] b = address.getAddress();
            if (a.length != b.length) {
                return false;
            }
            int bits = slash < 0 ? a.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
            if (bits < 0 || bits > a.length * 8) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (b[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Used by {@link SshdSocketAddress}-less callers: the caller's address as text for the audit trail. */
    static String addressText(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : String.valueOf(remote);
    }
}
