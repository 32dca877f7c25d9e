package dev.sluice.core.config;

import java.nio.file.Path;

/**
 * One thing wrong with a configuration file, located precisely enough for a person to fix it.
 * Rendered as {@code FILE:LINE: key.path: message}.
 */
public record ConfigProblem(Path file, int line, String keyPath, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + (keyPath.isEmpty() ? "(root)" : keyPath) + ": " + message;
    }
}
