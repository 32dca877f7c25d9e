package dev.sluice.core.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;

import dev.sluice.core.SluiceException;

/**
 * The dev issuer's private key on disk: one EC P-256 JWK, owner read/write only (mode 600), in a directory with
 * mode 700. Created on first use; a file that other users can read is refused, like OpenSSH does.
 */
final class DevKeyFile {

    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private DevKeyFile() {
    }

    static ECKey loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            return load(file);
        } catch (IOException e) {
            throw new SluiceException("cannot open the dev issuer key " + file + " (" + e.getClass().getSimpleName()
                    + ")", e);
        }
    }

    private static void create(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(Files.exists(dir) ? dir : existingAncestor(dir))
                .supportsFileAttributeView(PosixFileAttributeView.class);
        if (posix) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
        } else {
            Files.createDirectories(dir);
        }
        ECKey key;
        try {
            key = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new SluiceException("cannot generate the dev issuer key", e);
        }
        Path temp = posix
                ? Files.createTempFile(dir, ".dev-issuer", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, ".dev-issuer", ".tmp");
        try {
            Files.writeString(temp, key.toJSONString(), StandardCharsets.UTF_8);
            Files.createLink(file, temp); // atomic and refuses to replace a key another process just created
        } catch (FileAlreadyExistsException e) {
            // lost a creation race: use the other process's key
        } catch (UnsupportedOperationException e) {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE); // no hard links here
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static ECKey load(Path file) throws IOException {
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(OTHERS::contains)) {
                throw new SluiceException("the dev issuer key " + file
                        + " is accessible by other users; restrict it with chmod 600");
            }
        }
        try {
            JWK jwk = JWK.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()) && ec.isPrivate()) {
                return ec;
            }
        } catch (ParseException e) {
            // fall through to the same message: never echo the file content
        }
        throw new SluiceException("the dev issuer key " + file + " is not an EC P-256 private key in JWK form");
    }

    private static Path existingAncestor(Path dir) {
        Path result = dir;
        while (result != null && !Files.exists(result)) {
            result = result.getParent();
        }
        return result == null ? Path.of(".").toAbsolutePath() : result;
    }
}
