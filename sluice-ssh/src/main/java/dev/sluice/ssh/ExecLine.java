package dev.sluice.ssh;

import dev.sluice.core.exec.ShellLine;

/**
 * An SSH exec line read as the target's shell will: core's {@link ShellLine} (the reading {@code kubectl exec}
 * shares), with the exact forms of a file transfer this module judges itself ({@link FileTransfer}: {@code scp -t},
 * {@code rsync --server}) not opaque for naming a program that could run code. Stateless.
 */
final class ExecLine {
    static final int MAX_LENGTH = ShellLine.MAX_LENGTH;

    private ExecLine() {
    }

    static ShellLine.Reading read(String line) {
        return ShellLine.read(line, argv -> FileTransfer.of(argv).isPresent());
    }
}
