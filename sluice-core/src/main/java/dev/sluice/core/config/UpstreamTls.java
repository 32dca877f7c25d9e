package dev.sluice.core.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * TLS from Sluice to a target database. Keys {@code tls.mode} (default {@code prefer}) and {@code tls.ca-file}
 * (required for, and only used by, {@code verify-full}; relative to the configuration file's directory).
 *
 * @param mode   how hard Sluice insists on TLS to the target
 * @param caFile the CA certificates (PEM) that sign the target's certificate
 */
public record UpstreamTls(Mode mode, Optional<Path> caFile) {
    public UpstreamTls {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(caFile, "caFile");
        if (mode == Mode.VERIFY_FULL && caFile.isEmpty()) {
            throw new IllegalArgumentException("mode verify-full needs a ca-file");
        }
    }

    /** The default: TLS when the target offers it, unverified. */
    public static UpstreamTls prefer() {
        return new UpstreamTls(Mode.PREFER, Optional.empty());
    }

    /** TLS modes, named in configuration as in libpq's {@code sslmode}. */
    public enum Mode {
        /** Never TLS. */
        DISABLE,
        /** TLS if the target offers it; the certificate is not checked. */
        PREFER,
        /** TLS or no connection; the certificate is not checked. */
        REQUIRE,
        /** TLS, the certificate chains to {@code ca-file} and names the target host. */
        VERIFY_FULL;

        /** The configuration spelling: {@code disable}, {@code prefer}, {@code require}, {@code verify-full}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static List<String> configNames() {
            return Arrays.stream(values()).map(Mode::configName).toList();
        }

        static Mode fromConfigName(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    static UpstreamTls bind(ConfigNode connection, ConfigProblems problems) {
        ConfigNode node = problems.map(connection, "tls");
        problems.rejectUnknownKeys(node, Set.of("mode", "ca-file"));
        Mode mode = Mode.fromConfigName(problems.oneOf(node, "mode", Mode.PREFER.configName(), Mode.configNames()));
        Optional<Path> caFile = problems.path(node, "ca-file");
        if (mode == Mode.VERIFY_FULL && caFile.isEmpty()) {
            if (node.at("ca-file").isAbsent()) {
                problems.add(node.at("mode"), "mode verify-full needs tls.ca-file");
            }
            return prefer(); // the load fails anyway; a bad ca-file value already has its problem
        }
        if (mode != Mode.VERIFY_FULL && caFile.isPresent()) {
            problems.add(node.at("ca-file"), "ca-file is used only with mode verify-full (mode is "
                    + mode.configName() + ")");
            caFile = Optional.empty();
        }
        return new UpstreamTls(mode, caFile);
    }
}
