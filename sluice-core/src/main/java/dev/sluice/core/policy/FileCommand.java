package dev.sluice.core.policy;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One file operation (SFTP, SCP, later kubectl cp).
 *
 * @param protocol   {@code ssh}
 * @param kind       {@code READ}, {@code WRITE}, {@code DELETE}, {@code RENAME}, {@code MKDIR}, {@code RMDIR},
 *                   {@code LIST}, {@code STAT}, {@code SETSTAT}, {@code LINK}, or {@link Command#UNKNOWN}
 * @param path       the path operated on, normalised as the server will resolve it where Sluice can tell
 * @param targetPath the second path of a rename or link
 */
public record FileCommand(String protocol, String kind, String path, Optional<String> targetPath) implements Command {

    public FileCommand {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(targetPath, "targetPath");
    }

    @Override
    public Set<String> kinds() {
        return Set.of(kind);
    }

    @Override
    public String text() {
        return kind + " " + path + targetPath.map(t -> " -> " + t).orElse("");
    }

    /** Rule key {@code paths}: the path and the target path. */
    @Override
    public Map<String, Set<String>> objects() {
        Set<String> paths = new LinkedHashSet<>();
        paths.add(path);
        targetPath.ifPresent(paths::add);
        return Map.of(PATHS, paths);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("path", path, "target_path", targetPath.orElse(""));
    }
}
