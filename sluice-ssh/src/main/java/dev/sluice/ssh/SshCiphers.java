package dev.sluice.ssh;

import java.util.List;

import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;

import dev.sluice.core.config.SshListenerConfig;

/**
 * The ciphers Sluice offers. AES-GCM and AES-CTR run on the CPU's AES instructions; MINA's ChaCha20-Poly1305 is plain
 * Java, so it is not offered. No CBC, no RC4, no 3DES.
 *
 * <p>An SSH client picks the first cipher of its own list that the server offers, and OpenSSH lists AES-CTR before
 * AES-GCM: the listener offers {@link #LISTENER AES-GCM only} unless the configuration's {@code ssh.ciphers} says
 * otherwise ({@link #listener}), so that OpenSSH (and every client with AES-GCM) takes
 * it. AES-GCM is an AEAD, with no separate MAC: Sluice's CPU per GiB of scp was 0.9 s lower on average over 15
 * rounds alternating with the AES-CTR build (bench/ssh-compare.sh, docs/benchmarks.md). The price: a client
 * without AES-GCM (OpenSSH before 6.2, older Paramiko and libssh2 releases) cannot connect.
 *
 * <p>Sluice's own connections to targets offer {@link #PREFERRED AES-GCM first, then AES-CTR}: the target's sshd
 * takes Sluice's first choice where it has it, and an old target still gets CTR.
 */
final class SshCiphers {
    static final List<NamedFactory<Cipher>> PREFERRED = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes192ctr, BuiltinCiphers.aes256ctr);
    /** What the listener offers callers by default ({@code SshListenerConfig.DEFAULT_CIPHERS}). */
    static final List<NamedFactory<Cipher>> LISTENER = listener(SshListenerConfig.DEFAULT_CIPHERS);

    private SshCiphers() {
    }

    /**
     * The listener's ciphers named in {@code ssh.ciphers}, in the configured order; the names were checked against
     * {@link SshListenerConfig#SUPPORTED_CIPHERS} when the configuration was loaded.
     */
    static List<NamedFactory<Cipher>> listener(List<String> names) {
        return names.stream().<NamedFactory<Cipher>>map(name -> {
            BuiltinCiphers result = BuiltinCiphers.fromFactoryName(name);
            // Fail closed: a name MINA does not know (or cannot run here) is not silently dropped
            if (result == null || !result.isSupported()
                    || !SshListenerConfig.SUPPORTED_CIPHERS.contains(result.getName())) {
                throw new IllegalArgumentException("unsupported SSH cipher " + name);
            }
            return result;
        }).toList();
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
