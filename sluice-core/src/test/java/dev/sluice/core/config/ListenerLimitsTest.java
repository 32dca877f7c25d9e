package dev.sluice.core.config;

import static dev.sluice.core.config.ConfigValidationTest.connection;
import static dev.sluice.core.config.ConfigValidationTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The {@code limits} section and the upstream {@code tls.channel-binding} key. */
class ListenerLimitsTest {
    private static SluiceConfig load(String yaml) {
        return ConfigLoader.parse(Path.of("sluice.yaml"), yaml, Map.of());
    }

    @Test
    void anAbsentSectionGivesTheDefaults() {
        assertThat(ListenerLimits.of(load("listen: {}\n"))).isEqualTo(ListenerLimits.defaults());
        assertThat(ListenerLimits.defaults().maxPasswordBytes()).isEqualTo(32 * 1024);
        assertThat(ListenerLimits.defaults().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void bindsEveryKey() {
        ListenerLimits limits = ListenerLimits.of(load("""
                limits:
                  handshake-timeout: 3s
                  max-handshakes: 50
                  max-handshakes-per-address: 5
                  max-password-bytes: 8192
                  max-sessions: 20
                  max-message-bytes: 2097152
                  message-memory: 4194304
                """));
        assertThat(limits).isEqualTo(new ListenerLimits(Duration.ofSeconds(3), 50, 5, 8192, 20, 2 * 1024 * 1024,
                4L * 1024 * 1024));
    }

    @Test
    void namesEachBadValueAndUnknownKey() {
        assertThat(problems("""
                limits:
                  handshake-timeout: 0s
                  max-handshakes: 10
                  max-handshakes-per-address: 11
                  max-password-bytes: 100
                  message-memory: 1
                  max-statement-byte: 1
                """)).containsExactly(
                "sluice.yaml:2: limits.handshake-timeout: expected a duration from 1s to 5m",
                "sluice.yaml:4: limits.max-handshakes-per-address: expected an integer from 1 to 10, got '11'",
                "sluice.yaml:5: limits.max-password-bytes: expected an integer from 1024 to 1048576, got '100'",
                "sluice.yaml:6: limits.message-memory: expected a byte count from max-message-bytes (67108864) to "
                        + "68719476736",
                "sluice.yaml:7: limits.max-statement-byte: unknown key 'max-statement-byte' (expected one of: "
                        + "handshake-timeout, max-handshakes, max-handshakes-per-address, max-message-bytes, "
                        + "max-password-bytes, max-sessions, max-statement-bytes, max-statement-depth, "
                        + "max-statement-tokens, message-memory)");
    }

    @Test
    void channelBindingDefaultsToPreferAndRequireNeedsTls() {
        assertThat(((PostgresTarget) load(connection("")).connections().getFirst().target()).tls().channelBinding())
                .isEqualTo(UpstreamTls.ChannelBinding.PREFER);
        assertThat(((PostgresTarget) load(connection("tls:\n  mode: require\n  channel-binding: require"))
                .connections().getFirst().target()).tls().channelBinding()).isEqualTo(UpstreamTls.ChannelBinding.REQUIRE);
        assertThat(problems(connection("tls:\n  mode: disable\n  channel-binding: require"))).containsExactly(
                "sluice.yaml:8: connections[0].tls.channel-binding: channel-binding require needs TLS (mode is "
                        + "disable)");
        assertThat(problems(connection("tls:\n  channel-binding: always"))).containsExactly(
                "sluice.yaml:7: connections[0].tls.channel-binding: unsupported value 'always' (expected one of: "
                        + "disable, prefer, require)");
    }
}
