package dev.sluice.core.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class TextMaskerTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static List<Detector> allBuiltIns() {
        return Detectors.builtInNames().stream().map(n -> Detectors.builtIn(n).orElseThrow()).toList();
    }

    @Test
    void returnsTheIdenticalInstanceWhenNothingMatches() {
        TextMasker masker = new TextMasker(allBuiltIns(), Strategy.redact());
        MaskCounter counter = new MaskCounter();
        String clean = new String("order ORD-2024-000123 shipped on 2024-01-15, version 1.2.3.4.5");

        assertThat(masker.mask(clean, counter)).isSameAs(clean);
        assertThat(counter.total()).isZero();
    }

    @Test
    void replacesEverySpanAndCountsPerDetector() {
        TextMasker masker = new TextMasker(allBuiltIns(), Strategy.redact());
        MaskCounter counter = new MaskCounter();

        String result = masker.mask("mail bob@example.com, card 4242 4242 4242 4242, ssn 123-45-6789, "
                + "again alice@example.org", counter);

        assertThat(result).isEqualTo("mail [REDACTED], card [REDACTED], ssn [REDACTED], again [REDACTED]");
        assertThat(counter.count("email")).isEqualTo(2);
        assertThat(counter.count("card")).isEqualTo(1);
        assertThat(counter.count("ssn")).isEqualTo(1);
        assertThat(counter.total()).isEqualTo(4);
        assertThat(counter.snapshot()).containsOnlyKeys("card", "email", "ssn");
    }

    @Test
    void partialStrategyKeepsTheLastFourOfACardInsideText() {
        TextMasker masker = new TextMasker(List.of(Detectors.builtIn("card").orElseThrow()), Strategy.parse("partial", KEY));

        assertThat(masker.mask("paid with 4242 4242 4242 4242 today", new MaskCounter()))
                .isEqualTo("paid with **** **** **** 4242 today");
    }

    @Test
    void sameLengthMaskingKeepsTheByteLengthOfEveryValue() {
        TextMasker redact = new TextMasker(allBuiltIns(), Strategy.redact());
        TextMasker partial = new TextMasker(List.of(Detectors.builtIn("card").orElseThrow()),
                Strategy.parse("partial", KEY));
        TextMasker accents = new TextMasker(List.of(Detectors.regex("name", "M\\p{L}ller")), Strategy.redact());
        String text = "card 4242 4242 4242 4242, mail bob@example.com\n";
        MaskCounter counter = new MaskCounter();

        String redacted = redact.maskSameLength(text, counter);
        String kept = partial.maskSameLength(text, new MaskCounter());
        String accented = accents.maskSameLength("Herr Müller zahlt", new MaskCounter());

        assertThat(redacted).isEqualTo("card **** **** **** ****, mail ***@*******.***\n");
        assertThat(kept).isEqualTo("card **** **** **** 4242, mail bob@example.com\n");
        assertThat(accented).isEqualTo("Herr ******* zahlt");
        assertThat(accented.getBytes(StandardCharsets.UTF_8)).hasSize("Herr Müller zahlt"
                .getBytes(StandardCharsets.UTF_8).length);
        assertThat(counter.snapshot()).containsOnlyKeys("card", "email");
    }

    @Test
    void overlappingSpansFromTwoDetectorsAreReplacedOnceByTheFirstDetector() {
        TextMasker masker = new TextMasker(List.of(Detectors.builtIn("phone").orElseThrow(),
                Detectors.regex("digits", "\\d{3} \\d{4}")), Strategy.redact());
        MaskCounter counter = new MaskCounter();

        assertThat(masker.mask("call +1 415 555 2671 now", counter)).isEqualTo("call [REDACTED] now");
        assertThat(counter.snapshot()).containsExactly(java.util.Map.entry("phone", 1L));
    }

    @Test
    void hashStrategyGivesTheSameTokenForTheSameValueInDifferentRows() {
        TextMasker masker = new TextMasker(List.of(Detectors.builtIn("email").orElseThrow()), Strategy.parse("hash", KEY));
        MaskCounter counter = new MaskCounter();

        String first = masker.mask("from bob@example.com", counter);
        String second = masker.mask("to bob@example.com!", counter);

        assertThat(first).matches("from h:[0-9a-f]{16}");
        assertThat(second).isEqualTo("to " + first.substring(5) + "!");
    }

    @Test
    void nullifyInsideTextRedacts() {
        TextMasker masker = new TextMasker(List.of(Detectors.builtIn("ipv4").orElseThrow()), Strategy.parse("null", KEY));

        assertThat(masker.mask("host 10.0.0.1 up", new MaskCounter())).isEqualTo("host [REDACTED] up");
    }

    @Test
    void customRegexDetectorMasksInText() {
        TextMasker masker = new TextMasker(List.of(Detectors.regex("employee-id", "EMP-\\d{6}")), Strategy.redact());
        MaskCounter counter = new MaskCounter();

        assertThat(masker.mask("EMP-123456 approved", counter)).isEqualTo("[REDACTED] approved");
        assertThat(counter.count("employee-id")).isEqualTo(1);
    }

    @Test
    void masksAPrivateKeyBlockWhole() {
        TextMasker masker = new TextMasker(allBuiltIns(), Strategy.redact());
        String value = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow+IBAAKCAQEA/0Z3VS5JJcds3xfn\n"
                + "-----END RSA PRIVATE KEY-----\n";

        assertThat(masker.mask(value, new MaskCounter())).isEqualTo("key:\n[REDACTED]\n");
    }

    @Test
    void scratchSpaceIsReusedAcrossValuesWithoutLeakingSpans() {
        TextMasker masker = new TextMasker(allBuiltIns(), Strategy.redact());
        MaskCounter counter = new MaskCounter();
        for (int i = 0; i < 20; i++) {
            masker.mask("a@example.com b@example.com c@example.com d@example.com e@example.com f@example.com "
                    + "g@example.com h@example.com i@example.com", counter);
        }
        String clean = "nothing here";

        assertThat(masker.mask(clean, counter)).isSameAs(clean);
        assertThat(counter.count("email")).isEqualTo(180);
    }
}
