package dev.sluice.ssh;

import java.nio.file.Path;

/**
 * Sluice's SSH user CA as the rest of the gateway sees it: the public key line a target's {@code TrustedUserCAKeys}
 * needs for connections with {@code certificate-authority: true}. The CA key is generated on first use (0600).
 */
public final class SshCa {
    private SshCa() {
    }

    /** The CA public key, {@code ssh-ed25519 AAAA… sluice-user-ca}, from {@code dataDir/ssh/user-ca}. */
    public static String publicKeyLine(Path dataDir) {
        return SluiceCa.load(dataDir).publicKeyLine();
    }
}
