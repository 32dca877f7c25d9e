package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The {@code limits} section (issue 9, class 6): defaults, bounds, typos reported at their line. */
class LimitsConfigTest {

    @Test
    void defaultsToOneMebibyteOneHundredThousandTokensAndDepthOneThousand() {
        SluiceConfig config = ConfigLoader.parse(ConfigValidationTest.FILE, "listen: {}\n", Map.of());
        assertThat(LimitsConfig.of(config)).isEqualTo(new LimitsConfig(1024 * 1024, 100_000, 1000))
                .isEqualTo(LimitsConfig.defaults());
    }

    @Test
    void readsEachKey() {
        SluiceConfig config = ConfigLoader.parse(ConfigValidationTest.FILE, """
                limits:
                  max-statement-bytes: 65536
                  max-statement-tokens: 5000
                  max-statement-depth: 200
                """, Map.of());
        assertThat(LimitsConfig.of(config)).isEqualTo(new LimitsConfig(65536, 5000, 200));
    }

    @Test
    void reportsOutOfRangeValuesAndUnknownKeysAtTheirLine() {
        assertThat(ConfigValidationTest.problems("""
                limits:
                  max-statement-bytes: 99999999
                  max-statement-depth: 1
                  max-statement-size: 5
                """)).containsExactly(
                "sluice.yaml:2: limits.max-statement-bytes: expected an integer from 1024 to 4194304, got '99999999'",
                "sluice.yaml:3: limits.max-statement-depth: expected an integer from 10 to 4194304, got '1'",
                "sluice.yaml:4: limits.max-statement-size: unknown key 'max-statement-size' (expected one of: "
                        + "handshake-timeout, max-handshakes, max-handshakes-per-address, max-message-bytes, "
                        + "max-password-bytes, max-sessions, max-statement-bytes, max-statement-depth, "
                        + "max-statement-tokens, message-memory)");
    }
}
