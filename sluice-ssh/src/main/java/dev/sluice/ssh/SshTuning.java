package dev.sluice.ssh;

import org.apache.sshd.common.PropertyResolver;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Channel window and packet sizes for both legs (the listener, and each of Sluice's sessions to a target). MINA's
 * defaults (a 2 MiB window, 32 KiB packets) make every 32 KiB of a transfer one SSH packet with its own decryption,
 * MAC, window bookkeeping and thread hand-off; a peer may send packets up to the size we announce, so larger ones
 * mean fewer of those per byte. OpenSSH sends packets up to the size its peer announces (its own limit is 256 KiB
 * per packet); on the target leg sshd announces 32 KiB for what Sluice sends it, which Sluice cannot change.
 * Memory stays bounded: at most {@value #WINDOW} bytes in flight per channel, and at most
 * {@link CallerSession#MAX_CHANNELS} channels per connection.
 */
final class SshTuning {
    static final int WINDOW = 8 * 1024 * 1024;
    static final int PACKET = 128 * 1024;

    private SshTuning() {
    }

    static void apply(PropertyResolver resolver) {
        CoreModuleProperties.WINDOW_SIZE.set(resolver, (long) WINDOW);
        CoreModuleProperties.MAX_PACKET_SIZE.set(resolver, (long) PACKET);
    }
}
