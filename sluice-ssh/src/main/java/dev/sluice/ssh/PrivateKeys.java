package dev.sluice.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Iterator;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Reads OpenSSH private keys (files Sluice keeps, keys given in config) and keeps generated ones at 0600. */
final class PrivateKeys {
    private PrivateKeys() {
    }

    /** The ed25519 key pair in {@code file}, generated and written 0600 (directory 0700) when absent. */
    static KeyPair loadOrGenerate(Path file, String comment) {
        try {
            if (Files.exists(file)) {
                return parse(Files.readString(file), file.toString());
            }
            Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            KeyPair result = KeyUtils.generateKeyPair("ssh-ed25519", 256);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(result, comment, null, out);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the key " + file, e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 key (is BouncyCastle on the classpath?)", e);
        }
    }

    /**
     * Parses one unencrypted OpenSSH (or PEM) private key.
     *
     * @throws IllegalArgumentException without the key's text in the message
     */
    static KeyPair parse(String text, String name) {
        try {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(name),
                    new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                    FilePasswordProvider.EMPTY);
            Iterator<KeyPair> it = pairs == null ? java.util.Collections.emptyIterator() : pairs.iterator();
            if (!it.hasNext()) {
                throw new IllegalArgumentException("not an OpenSSH private key");
            }
            return it.next();
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a readable, unencrypted OpenSSH private key ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
