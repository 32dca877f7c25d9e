package dev.sluice.core.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * TLS from Sluice to a target database. Keys {@code tls.mode} (default {@code prefer}), {@code tls.ca-file}
 * (required for, and only used by, {@code verify-full}; relative to the configuration file's directory) and
 * {@code tls.channel-binding} (default {@code prefer}).
 *
 * <p>Whatever the mode, Sluice sends the upstream password (cleartext) or its md5 hash only over TLS, or in clear
 * when the mode is explicitly {@code disable}; SCRAM, which never reveals the password, runs without TLS too unless
 * channel binding is {@code require}.
 *
 * @param mode           how hard Sluice insists on TLS to the target
 * @param caFile         the CA certificates (PEM) that sign the target's certificate
 * @param channelBinding whether SCRAM must bind itself to the TLS connection (SCRAM-SHA-256-PLUS)
 */
public record UpstreamTls(Mode mode, Optional<Path> caFile, ChannelBinding channelBinding) {
    public UpstreamTls {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(channelBinding, "channelBinding");
        if (mode == Mode.VERIFY_FULL && caFile.isEmpty()) {
            throw new IllegalArgumentException("mode verify-full needs a ca-file");
        }
        if (mode == Mode.DISABLE && channelBinding == ChannelBinding.REQUIRE) {
            throw new IllegalArgumentException("channel-binding require needs TLS");
        }
    }

    /** Channel binding prefer. */
    public UpstreamTls(Mode mode, Optional<Path> caFile) {
        this(mode, caFile, ChannelBinding.PREFER);
    }

    /** The default: TLS when the target offers it, unverified; channel binding when TLS and the target offer it. */
    public static UpstreamTls prefer() {
        return new UpstreamTls(Mode.PREFER, Optional.empty(), ChannelBinding.PREFER);
    }

    /** Whether the target's certificate is checked: only {@code verify-full}. */
    public boolean verifiesServer() {
        return mode == Mode.VERIFY_FULL;
    }

    /** SCRAM channel binding (tls-server-end-point, RFC 5929), named as libpq's {@code channel_binding}. */
    public enum ChannelBinding {
        /** Never bind; SCRAM-SHA-256 only. */
        DISABLE,
        /**
         * Bind when TLS is up and the target offers SCRAM-SHA-256-PLUS; over TLS without it, tell the target that
         * Sluice could have bound (gs2 flag {@code y}), so a real server that supports it detects the downgrade.
         */
        PREFER,
        /** SCRAM-SHA-256-PLUS over TLS or no connection: no cleartext, md5, trust or unbound SCRAM. */
        REQUIRE;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static List<String> configNames() {
            return Arrays.stream(values()).map(ChannelBinding::configName).toList();
        }
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

    public static UpstreamTls bind(ConfigNode connection, ConfigProblems problems) {
        ConfigNode node = problems.map(connection, "tls");
        problems.rejectUnknownKeys(node, Set.of("mode", "ca-file", "channel-binding"));
        Mode mode = Mode.fromConfigName(problems.oneOf(node, "mode", Mode.PREFER.configName(), Mode.configNames()));
        Optional<Path> caFile = problems.path(node, "ca-file");
        ChannelBinding binding = ChannelBinding.valueOf(problems.oneOf(node, "channel-binding",
                ChannelBinding.PREFER.configName(), ChannelBinding.configNames()).toUpperCase(Locale.ROOT));
        if (mode == Mode.DISABLE && binding == ChannelBinding.REQUIRE) {
            problems.add(node.at("channel-binding"), "channel-binding require needs TLS (mode is disable)");
            binding = ChannelBinding.PREFER;
        }
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
        return new UpstreamTls(mode, caFile, binding);
    }
}
