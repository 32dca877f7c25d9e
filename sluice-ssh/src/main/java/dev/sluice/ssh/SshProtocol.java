package dev.sluice.ssh;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Vocabulary;
import dev.sluice.core.spi.ProtocolContext;
import dev.sluice.core.spi.ProtocolListener;
import dev.sluice.core.spi.ProtocolProvider;

/**
 * SSH as the gateway finds it ({@code META-INF/services/dev.sluice.core.spi.ProtocolProvider}): listens on
 * {@code listen.ssh}, reaches connections of {@code type: ssh}, and says which command kinds it produces and which
 * programs {@code commands: [dangerous]} stands for.
 */
public final class SshProtocol implements ProtocolProvider {
    /** Kinds of {@code ExecCommand} and {@code FileCommand} this protocol produces. */
    static final Set<String> KINDS = Set.of("EXEC", "SHELL", "ENV", "SUBSYSTEM", "FORWARD", "SIGNAL", "READ",
            "WRITE", "DELETE", "RENAME", "MKDIR", "RMDIR", "LIST", "STAT", "SETSTAT", "LINK", Command.UNKNOWN);
    /** Programs that destroy data, take the host down or change who may do what. */
    static final Set<String> DANGEROUS = Set.of("rm", "rmdir", "dd", "mkfs", "mkfs.ext4", "mkfs.xfs", "mke2fs",
            "fdisk", "sfdisk", "parted", "wipefs", "shred", "truncate", "shutdown", "reboot", "halt", "poweroff",
            "init", "telinit", "systemctl", "service", "kill", "killall", "pkill", "chmod", "chown", "chgrp",
            "chattr", "setfacl", "useradd", "userdel", "usermod", "groupadd", "groupdel", "passwd", "chpasswd",
            "visudo", "crontab", "iptables", "ip6tables", "nft", "ufw", "mount", "umount", "swapoff", "mv",
            "sudo", "su", "doas");

    @Override
    public String name() {
        return CallerAuth.PROTOCOL;
    }

    @Override
    public Vocabulary vocabulary() {
        return Vocabulary.of(name(), KINDS, Map.of(Command.COMMANDS, DANGEROUS));
    }

    @Override
    public ProtocolListener start(ProtocolContext context) throws IOException {
        return SshListener.start(context);
    }
}
