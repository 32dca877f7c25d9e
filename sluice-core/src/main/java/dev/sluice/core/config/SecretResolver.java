package dev.sluice.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.sluice.core.Secret;

/**
 * Resolves secret references in a configuration value: {@code ${env:NAME}} (an environment variable) and
 * {@code ${file:PATH}} (a file's content with one trailing newline removed; a relative path is resolved against
 * the configuration file's directory). A reference may be the whole value or embedded in it
 * ({@code postgres-${env:SUFFIX}}); {@code $${} writes a literal {@code ${}.
 *
 * <p>Problem messages name the reference (the variable or the path) and never any part of the value: a value
 * without references may itself be a literal password. Thread-safe.
 */
public final class SecretResolver {
    /** Secret files larger than this are refused: a secret is small, and this bounds what is read. */
    static final int MAX_FILE_BYTES = 64 * 1024;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String EXPECTED = "expected ${env:NAME} or ${file:PATH}; write $${ for a literal ${";

    private final Map<String, String> env;

    public SecretResolver(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /**
     * Resolves the scalar at {@code node}; records a problem located at the node and returns an empty secret when
     * a reference cannot be resolved or the node is not a scalar. An absent node yields an empty secret.
     */
    public Secret resolve(ConfigNode node, ConfigProblems problems) {
        if (node.isAbsent()) {
            return Secret.of("");
        }
        if (!node.isScalar()) {
            problems.add(node, "expected a string, got " + node.describe());
            return Secret.of("");
        }
        List<String> errors = new ArrayList<>();
        String value = expand(node.text(), node.file().toAbsolutePath().getParent(), errors);
        errors.forEach(error -> problems.add(node, error));
        return errors.isEmpty() ? Secret.of(value) : Secret.of("");
    }

    /**
     * Resolves {@code text}, reading relative {@code ${file:...}} paths against {@code baseDir}.
     *
     * @throws IllegalArgumentException naming every reference that cannot be resolved (never the value)
     */
    public Secret resolve(String text, Path baseDir) {
        List<String> errors = new ArrayList<>();
        String value = expand(text, baseDir, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        return Secret.of(value);
    }

    private String expand(String text, Path baseDir, List<String> errors) {
        StringBuilder result = new StringBuilder(text.length());
        int at = 0;
        while (at < text.length()) {
            if (text.startsWith("$${", at)) {
                result.append("${");
                at += 3;
            } else if (text.startsWith("${", at)) {
                int close = text.indexOf('}', at + 2);
                if (close < 0) {
                    errors.add("unterminated secret reference: missing '}' (" + EXPECTED + ")");
                    return "";
                }
                result.append(lookUp(text.substring(at + 2, close), baseDir, errors));
                at = close + 1;
            } else {
                result.append(text.charAt(at++));
            }
        }
        return result.toString();
    }

    private String lookUp(String reference, Path baseDir, List<String> errors) {
        if (reference.startsWith("env:")) {
            String name = reference.substring(4);
            if (!ENV_NAME.matcher(name).matches()) {
                errors.add("invalid environment variable name in secret reference (" + EXPECTED + ")");
                return "";
            }
            String result = env.get(name);
            if (result == null) {
                errors.add("environment variable " + name + " is not set");
                return "";
            }
            return result;
        }
        if (reference.startsWith("file:") && reference.length() > 5) {
            return readFile(reference.substring(5), baseDir, errors);
        }
        errors.add("unsupported secret reference (" + EXPECTED + ")");
        return "";
    }

    private static String readFile(String pathText, Path baseDir, List<String> errors) {
        Path path;
        try {
            path = baseDir == null ? Path.of(pathText) : baseDir.resolve(pathText).normalize();
        } catch (InvalidPathException e) {
            errors.add("invalid secret file path '" + HostPort.shorten(pathText) + "': " + e.getReason());
            return "";
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            errors.add("secret file " + path + " is not a regular file");
            return "";
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                errors.add("secret file " + path + " is larger than " + MAX_FILE_BYTES + " bytes");
                return "";
            }
            String result = new String(bytes, StandardCharsets.UTF_8);
            if (result.endsWith("\r\n")) {
                return result.substring(0, result.length() - 2);
            }
            return result.endsWith("\n") ? result.substring(0, result.length() - 1) : result;
        } catch (NoSuchFileException e) {
            errors.add("secret file " + path + " does not exist");
        } catch (IOException e) {
            errors.add("cannot read secret file " + path + " (" + e.getClass().getSimpleName() + ")");
        }
        return "";
    }
}
