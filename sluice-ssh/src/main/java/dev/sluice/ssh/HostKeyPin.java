package dev.sluice.ssh;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;

/**
 * The target host key a connection pins (key {@code host-key}): an OpenSSH public key line
 * ({@code ssh-ed25519 AAAA… comment}), a known_hosts line ({@code host[,host…] ssh-ed25519 AAAA…}) or a
 * {@code SHA256:…} fingerprint as {@code ssh-keygen -lf} prints it. Compared by SHA-256 fingerprint; anything else
 * presented by the target refuses the session.
 *
 * @param fingerprint the pinned key's {@code SHA256:…} fingerprint
 */
record HostKeyPin(String fingerprint) {
    /**
     * The words of a refusal for a host key that is not the pin: between the presented and the pinned fingerprint. A
     * relay's refusal carries them to the gateway, which ends and audits the session as for a direct connection.
     */
    static final String MISMATCH = "is not the pinned";

    HostKeyPin {
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /**
     * Parses the three accepted forms.
     *
     * @throws IllegalArgumentException with a message fit for {@code FILE:LINE: key: message}
     */
    static HostKeyPin parse(String text) {
        String value = text.strip();
        if (value.regionMatches(true, 0, "SHA256:", 0, 7)) {
            String digest = value.substring(7);
            if (!digest.matches("[A-Za-z0-9+/]{43}=?")) {
                throw new IllegalArgumentException("expected a SHA256: fingerprint of 43 base64 characters");
            }
            return new HostKeyPin("SHA256:" + digest.replaceAll("=+$", ""));
        }
        List<String> words = List.of(value.split("\\s+"));
        if (words.size() >= 3 && !words.getFirst().toLowerCase(Locale.ROOT).startsWith("ssh-")
                && !words.getFirst().startsWith("ecdsa-")) {
            // known_hosts: hosts first, then the key
            value = String.join(" ", words.subList(1, words.size()));
        }
        try {
            PublicKey key = AuthorizedKeyEntry.parseAuthorizedKeyEntry(value)
                    .resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
            return of(key);
        } catch (Exception | Error e) {
            throw new IllegalArgumentException("expected an OpenSSH public key, a known_hosts line or a SHA256: "
                    + "fingerprint");
        }
    }

    static HostKeyPin of(PublicKey key) {
        return new HostKeyPin(fingerprintOf(key));
    }

    static String fingerprintOf(PublicKey key) {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }

    boolean matches(PublicKey key) {
        return fingerprint.equals(fingerprintOf(key));
    }

    /**
     * A verifier that accepts only the pinned key and remembers what else it saw, so that a mismatch can be audited
     * with the presented fingerprint.
     */
    Verifier verifier() {
        return new Verifier(this);
    }

    static final class Verifier implements ServerKeyVerifier {
        private final HostKeyPin pin;
        private final AtomicReference<String> mismatch = new AtomicReference<>();

        Verifier(HostKeyPin pin) {
            this.pin = pin;
        }

        @Override
        public boolean verifyServerKey(ClientSession session, SocketAddress address, PublicKey key) {
            if (pin.matches(key)) {
                return true;
            }
            mismatch.set(fingerprintOf(key));
            return false;
        }

        /** The fingerprint the target presented when it was not the pinned one. */
        java.util.Optional<String> mismatch() {
            return java.util.Optional.ofNullable(mismatch.get());
        }
    }
}
