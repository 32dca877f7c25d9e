package dev.sluice.core.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * TLS for the client-facing listeners. Keys {@code tls.cert-file}, {@code tls.key-file} (PEM; both or neither,
 * relative paths against the configuration file's directory) and {@code tls.allow-plaintext} (default
 * {@code false}; {@code true} is accepted only while {@code listen.postgres} is a loopback address or off).
 *
 * @param certFile       the certificate chain, PEM
 * @param keyFile        the private key of the certificate, PEM
 * @param allowPlaintext whether clients may connect without TLS
 */
public record TlsConfig(Optional<Path> certFile, Optional<Path> keyFile, boolean allowPlaintext) {
    public TlsConfig {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw new IllegalArgumentException("cert-file and key-file go together: give both or neither");
        }
    }

    /** No certificate, plaintext refused. */
    public static TlsConfig none() {
        return new TlsConfig(Optional.empty(), Optional.empty(), false);
    }

    static TlsConfig bind(ConfigNode root, ListenConfig listen, ConfigProblems problems) {
        ConfigNode node = problems.map(root, "tls");
        problems.rejectUnknownKeys(node, Set.of("cert-file", "key-file", "allow-plaintext"));
        Optional<Path> certFile = problems.path(node, "cert-file");
        Optional<Path> keyFile = problems.path(node, "key-file");
        boolean allowPlaintext = problems.bool(node, "allow-plaintext", false);
        if (certFile.isPresent() && keyFile.isEmpty()) {
            problems.add(node.at("cert-file"), "key-file is required when cert-file is given");
            certFile = Optional.empty();
        } else if (keyFile.isPresent() && certFile.isEmpty()) {
            problems.add(node.at("key-file"), "cert-file is required when key-file is given");
            keyFile = Optional.empty();
        }
        if (allowPlaintext && listen.postgres().filter(address -> !address.isLoopback()).isPresent()) {
            problems.add(node.at("allow-plaintext"), "plaintext is allowed only while listen.postgres is a "
                    + "loopback address (it is " + listen.postgres().get() + ")");
        }
        return new TlsConfig(certFile, keyFile, allowPlaintext);
    }
}
