package dev.sluice.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The last delivered seq of one sink, in {@code <data-dir>/exports/<name>.cursor}: the sink's durable buffer is the
 * audit trail itself, and this file says where in it the sink stands. Replaced atomically; a torn or unreadable file
 * is reported, never silently reset (that would resend, or skip, everything).
 */
final class CursorFile {
    private final Path file;

    CursorFile(Path dir, String name) {
        this.file = dir.resolve(name + ".cursor");
    }

    Path file() {
        return file;
    }

    /** The stored cursor, 0 when the sink never delivered anything. */
    long read() {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            long result = Long.parseLong(text);
            if (result < 0) {
                throw new NumberFormatException("negative");
            }
            return result;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            throw new ExportException("the export cursor " + file + " is unreadable; fix or delete it (deleting "
                    + "re-exports the whole trail)", e);
        }
    }

    void write(long seq) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            // like every file in the data dir: readable by Sluice's user only (mode 600)
            Files.createFile(temp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException | UnsupportedOperationException e) {
            // a leftover temp file (written over below) or no POSIX modes here
        }
        Files.writeString(temp, Long.toString(seq) + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
