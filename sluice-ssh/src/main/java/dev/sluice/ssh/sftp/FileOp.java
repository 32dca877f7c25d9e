package dev.sluice.ssh.sftp;

import java.util.Objects;
import java.util.Optional;

/**
 * One file operation an SFTP request performs, as Sluice judges it.
 *
 * @param kind       {@code READ}, {@code WRITE}, {@code DELETE}, {@code RENAME}, {@code MKDIR}, {@code RMDIR},
 *                   {@code LIST}, {@code SETSTAT}, {@code LINK}
 * @param path       the absolute, normalised path; where the server resolved symbolic links to something else, a
 *                   second operation carries that path
 * @param targetPath the second path of a rename or a link
 */
public record FileOp(String kind, String path, Optional<String> targetPath) {
    public FileOp {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(targetPath, "targetPath");
    }

    public static FileOp of(String kind, String path) {
        return new FileOp(kind, path, Optional.empty());
    }
}
