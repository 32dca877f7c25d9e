package dev.sluice.ssh;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * Sluice's own SSH user CA (key {@code certificate-authority: true} on a connection): an ed25519 key kept in the data
 * dir ({@code ssh/user-ca}, 0600), generated on first use. For each session Sluice makes a fresh ed25519 key pair and
 * signs a user certificate for the connection's login, valid for a few minutes around now, so no static key to the
 * host exists. The host trusts the CA with {@code TrustedUserCAKeys} ({@code sluice ssh-ca} prints the line).
 * Thread-safe.
 */
final class SluiceCa {
    /** How long a per-session certificate is valid: long enough to log in; the session outlives it. */
    static final Duration VALIDITY = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair ca;

    private SluiceCa(KeyPair ca) {
        this.ca = ca;
    }

    /** Loads the CA from {@code dataDir/ssh/user-ca}, generating it (0600) on first use. */
    static SluiceCa load(Path dataDir) {
        return new SluiceCa(PrivateKeys.loadOrGenerate(dataDir.resolve("ssh").resolve("user-ca"), "sluice-user-ca"));
    }

    /** The CA's public key as an OpenSSH line, for the target's {@code TrustedUserCAKeys}. */
    String publicKeyLine() {
        return PublicKeyEntry.toString(ca.getPublic()) + " sluice-user-ca";
    }

    /**
     * A fresh key pair whose public half is a user certificate for {@code login}, with {@code keyId} (the session,
     * for the target's log) and no extensions beyond a PTY and port forwarding (Sluice judges both itself).
     */
    KeyPair issue(String login, String keyId, Instant now) {
        try {
            KeyPair user = KeyUtils.generateKeyPair("ssh-ed25519", 256);
            OpenSshCertificate cert = OpenSshCertificateBuilder.userCertificate()
                    .serial(RANDOM.nextLong() & Long.MAX_VALUE)
                    .publicKey(user.getPublic())
                    .id(keyId)
                    .principals(List.of(login))
                    .validAfter(now.minus(Duration.ofMinutes(1)))
                    .validBefore(now.plus(VALIDITY))
                    .extension("permit-pty", "")
                    .extension("permit-port-forwarding", "")
                    .sign(ca, "ssh-ed25519");
            return new KeyPair(cert, user.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a per-session SSH certificate: " + e.getMessage(), e);
        }
    }
}
