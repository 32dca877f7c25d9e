package dev.sluice.core.masking;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Where the {@code hash} strategy's HMAC key comes from. {@link #dataDir} keeps one key per Sluice instance in
 * {@code DATA_DIR/keys/masking.key} (64 hex digits, created on first use with mode 600), so hash tokens stay
 * stable across restarts and reloads; {@link #ephemeral} is for dry runs that must not write anything.
 */
@FunctionalInterface
public interface MaskingKeys {
    String FILE = "keys/masking.key";

    /**
     * The key, at least 16 bytes; the caller may wipe its copy.
     *
     * @throws MaskingConfigException when the key cannot be read or created
     */
    byte[] hashKey();

    /** A fixed key (copied). */
    static MaskingKeys fixed(byte[] key) {
        byte[] copy = key.clone();
        return copy::clone;
    }

    /** A random key per call: tokens are not stable; for dry runs only. */
    static MaskingKeys ephemeral() {
        return () -> {
            byte[] result = new byte[32];
            new SecureRandom().nextBytes(result);
            return result;
        };
    }

    /** The key in {@code dataDir/keys/masking.key}, created (32 random bytes, mode 600) when missing. */
    static MaskingKeys dataDir(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        return () -> readOrCreate(file);
    }

    private static byte[] readOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            byte[] result = HexFormat.of().parseHex(text);
            if (result.length < 16) {
                throw new MaskingConfigException("masking key " + file + " is shorter than 16 bytes");
            }
            return result;
        } catch (IllegalArgumentException e) {
            throw new MaskingConfigException("masking key " + file + " is not hexadecimal");
        } catch (IOException e) {
            throw new MaskingConfigException("cannot read or create the masking key " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path temp = Files.createTempFile(file.getParent(), "masking", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's own protection applies
            }
            Files.writeString(temp, HexFormat.of().formatHex(key) + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // another process created it first: use theirs
            }
        } finally {
            Arrays.fill(key, (byte) 0);
            Files.deleteIfExists(temp);
        }
    }
}
