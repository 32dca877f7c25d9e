package dev.sluice.core.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class StrategyTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    @Test
    void partialKeepsLastFourAndSeparators() {
        Strategy partial = Strategy.parse("partial", KEY);

        assertThat(partial.apply("4242 4242 4242 4242")).isEqualTo("**** **** **** 4242");
        assertThat(partial.apply("4242-4242-4242-4242")).isEqualTo("****-****-****-4242");
        assertThat(partial.apply("123-45-6789")).isEqualTo("***-**-6789");
    }

    @Test
    void partialHonoursKeepFirstAndMaskCharacter() {
        assertThat(Strategy.parse("partial(6,4)", KEY).apply("4111111111111111")).isEqualTo("411111******1111");
        assertThat(Strategy.parse("partial(1, 0, #)", KEY).apply("john.doe@example.com"))
                .isEqualTo("j###.###@#######.###");
    }

    @Test
    void partialMasksEverythingWhenKeepingWouldRevealHalfTheValue() {
        assertThat(Strategy.parse("partial(0,4)", KEY).apply("Alice")).isEqualTo("*****");
        assertThat(Strategy.parse("partial(0,4)", KEY).apply("1234")).isEqualTo("****");
    }

    @Test
    void redactReplacesWithDefaultOrConfiguredText() {
        assertThat(Strategy.parse("redact", KEY).apply("secret value")).isEqualTo("[REDACTED]");
        assertThat(Strategy.parse("REDACT(<hidden>)", KEY).apply("secret value")).isEqualTo("<hidden>");
    }

    @Test
    void hashIsStableShortAndKeyDependent() {
        Strategy hash = Strategy.parse("hash", KEY);
        String token = hash.apply("4242424242424242");

        assertThat(token).matches("h:[0-9a-f]{16}");
        assertThat(hash.apply("4242424242424242")).isEqualTo(token);
        assertThat(new Strategy.Hash(KEY).apply("4242424242424242")).isEqualTo(token);
        assertThat(hash.apply("4242424242424241")).isNotEqualTo(token);
        assertThat(Strategy.parse("hash", OTHER_KEY).apply("4242424242424242")).isNotEqualTo(token);
    }

    @Test
    void hashNeverContainsTheInput() {
        Strategy hash = Strategy.parse("hash", KEY);
        for (String value : List.of("4242424242424242", "john.doe@example.com", "123-45-6789", "+1 415 555 2671",
                "AKIAIOSFODNN7EXAMPLE", "DE89370400440532013000", "1234")) {
            assertThat(hash.apply(value)).doesNotContain(value);
        }
    }

    @Test
    void hashToStringDoesNotShowTheKey() {
        assertThat(new Strategy.Hash(KEY).toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void hashRefusesAShortKey() {
        assertThatThrownBy(() -> Strategy.parse("hash", new byte[8]))
                .isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("at least 16 bytes");
    }

    @Test
    void nullifyIsATypeCallersCanRecogniseAndRedactsInsideText() {
        Strategy nullify = Strategy.parse("null", KEY);

        assertThat(nullify).isInstanceOf(Strategy.Nullify.class);
        assertThat(nullify.apply("x")).isEqualTo(Strategy.REDACTED);
    }

    @Test
    void rejectsUnknownOrMalformedSpecsWithAClearMessage() {
        assertThatThrownBy(() -> Strategy.parse("scramble", KEY)).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("'scramble'").hasMessageContaining("redact, partial, hash, null");
        assertThatThrownBy(() -> Strategy.parse("partial(a,4)", KEY)).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> Strategy.parse("partial(0,4", KEY)).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("missing ')'");
        assertThatThrownBy(() -> Strategy.parse("partial(0,400)", KEY)).isInstanceOf(MaskingConfigException.class);
        assertThatThrownBy(() -> Strategy.parse("partial(0,4,x)", KEY)).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("letter or digit");
        assertThatThrownBy(() -> Strategy.parse("hash(x)", KEY)).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("takes no arguments");
        assertThatThrownBy(() -> Strategy.parse("redact()", KEY)).isInstanceOf(MaskingConfigException.class);
    }

    @Test
    void partialMasksTheSameWithAndWithoutCharactersOutsideTheBmp() {
        String alphabet = "0123456789abcXYZ \u00e9\u00df\u4e2d-./()+@_";
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (Strategy partial : List.of(Strategy.parse("partial", new byte[0]), Strategy.parse("partial(2,3,#)",
                new byte[0]), Strategy.parse("partial(6,4)", new byte[0]), new Strategy.Partial(1, 2, '\u2022'))) {
            for (int i = 0; i < 5_000; i++) {
                StringBuilder value = new StringBuilder();
                for (int n = random.nextInt(30); n > 0; n--) {
                    value.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                String bmp = value.toString();
                // the emoji is not a letter or digit: it changes nothing but forces the code-point path
                assertThat(partial.apply(bmp + "\uD83D\uDE00")).isEqualTo(partial.apply(bmp) + "\uD83D\uDE00");
                // likewise a no-break space forces the non-ASCII path for an ASCII value
                assertThat(partial.apply(bmp + "\u00a0")).isEqualTo(partial.apply(bmp) + "\u00a0");
            }
        }
    }
}
