package dev.sluice.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the data dir readable by Sluice's user only: the dir (and every dir in it) mode 700, every file 600. The
 * trail, the write-ahead journal, the approval requests, signing and TLS keys all live there, and a world-readable
 * {@code audit.db} gives every local user the statements every agent ran.
 *
 * <p>Files Sluice creates are created private ({@link #file}, {@link #FILE}); SQLite creates its {@code -wal} and
 * {@code -shm} files with the mode of the database file, so a private database keeps them private too. At start
 * {@link #secure} tightens what an older version (or a generous umask) left. Symbolic links are never followed or
 * changed. On a file system without POSIX permissions nothing is done.
 */
public final class PrivateFiles {
    private static final Logger LOG = LoggerFactory.getLogger(PrivateFiles.class);
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    /** Create a file with this attribute to have it private from its first byte. */
    public static final FileAttribute<Set<PosixFilePermission>> FILE = PosixFilePermissions.asFileAttribute(FILE_MODE);

    private PrivateFiles() {
    }

    /**
     * Creates {@code dataDir} (mode 700) when missing, sets it to 700, and tightens everything below it: dirs to
     * 700, regular files to 600. Returns how many modes were changed.
     */
    public static int secure(Path dataDir) {
        try {
            directory(dataDir);
            int[] changed = {tighten(dataDir, DIR_MODE) ? 1 : 0};
            Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(dataDir) && tighten(dir, DIR_MODE)) {
                        changed[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && tighten(file, FILE_MODE)) {
                        changed[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
            if (changed[0] > 0) {
                LOG.warn("tightened the modes of {} file(s) in the data dir {} to owner-only", changed[0], dataDir);
            }
            return changed[0];
        } catch (IOException e) {
            throw new AuditStoreException("cannot secure the data dir " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code dir} and its missing parents, each it creates mode 700; an existing dir is left as it is. */
    public static void directory(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            directory(parent);
        }
        try {
            Files.createDirectory(absolute);
            tighten(absolute, DIR_MODE); // the umask may have taken bits off the requested mode: set it exactly
        } catch (FileAlreadyExistsException raced) {
            // created meanwhile by another process: fine
        }
    }

    /** Creates {@code file} empty and mode 600 when missing (its dir too); an existing file is set to 600. */
    public static void file(Path file) throws IOException {
        directory(file.toAbsolutePath().getParent());
        try {
            Files.createFile(file, FILE);
        } catch (FileAlreadyExistsException exists) {
            tighten(file, FILE_MODE);
        } catch (UnsupportedOperationException noPosix) {
            Files.createFile(file);
        }
    }

    /** Sets the SQLite database {@code file} and its {@code -wal}, {@code -shm}, {@code -journal} to 600. */
    static void database(Path file) throws IOException {
        file(file);
        for (String suffix : new String[] {"-wal", "-shm", "-journal"}) {
            Path sibling = file.resolveSibling(file.getFileName() + suffix);
            if (Files.exists(sibling, LinkOption.NOFOLLOW_LINKS)) {
                tighten(sibling, FILE_MODE);
            }
        }
    }

    /** Sets {@code path} to exactly {@code mode} unless it is a link; true when that changed anything. */
    private static boolean tighten(Path path, Set<PosixFilePermission> mode) {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return false;
        }
        try {
            var attributes = view.readAttributes();
            if (attributes.isSymbolicLink() || attributes.permissions().equals(mode)) {
                return false;
            }
            view.setPermissions(mode);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot set the mode of {}: {}", path, e.getMessage());
            return false;
        }
    }
}
