package dev.sluice.ssh;

import java.util.List;

import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;

/**
 * The ciphers Sluice offers on both legs: AES-GCM and AES-CTR run on the CPU's AES instructions; MINA's
 * ChaCha20-Poly1305 is plain Java, so it is not offered. An SSH client picks the first cipher of its own list that
 * the server has, so an OpenSSH client picks {@code aes128-ctr} (with {@code hmac-sha2-256-etm}) from the listener.
 * Offering AES-GCM only was measured (bench/ssh-compare.sh, Sluice's CPU per GiB of scp) and saved nothing: MINA
 * sets up GCM afresh for every packet, which costs about what CTR's HMAC does; so CTR stays, for the clients that
 * have nothing else. No CBC, no RC4, no 3DES.
 */
final class SshCiphers {
    static final List<NamedFactory<Cipher>> PREFERRED = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes192ctr, BuiltinCiphers.aes256ctr);

    private SshCiphers() {
    }

    /**
     * Key exchanges for Sluice's own connections to targets, without sntrup761x25519: its key generation in
     * BouncyCastle costs about 100 ms of CPU per connection on the client side. ML-KEM hybrids (OpenSSH 9.9+ targets)
     * stay first; older targets get curve25519.
     */
    static <T extends org.apache.sshd.common.NamedResource> List<T> withoutSlowKex(List<T> factories) {
        return factories.stream().filter(f -> !f.getName().startsWith("sntrup")).toList();
    }
}
