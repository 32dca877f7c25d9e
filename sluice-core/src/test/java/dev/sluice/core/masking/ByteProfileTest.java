package dev.sluice.core.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ByteProfileTest {
    private static final String ALPHABET = "0123456789012345678901234567890123456789 -.+()@:_/abcxyzABKQ\u00e9\u00fc\u20ac";

    @Test
    void aPrefilteredDetectorNeverSkipsAValueInWhichItFindsSomething() {
        List<String> texts = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(11);
        for (DetectorCorpus.Line line : DetectorCorpus.load()) {
            texts.add(line.text());
            for (int i = 0; i < 50; i++) { // near misses and variants: a few characters changed, dropped or added
                StringBuilder text = new StringBuilder(line.text());
                for (int n = 1 + random.nextInt(3); n > 0 && !text.isEmpty(); n--) {
                    int at = random.nextInt(text.length());
                    switch (random.nextInt(3)) {
                        case 0 -> text.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                        case 1 -> text.deleteCharAt(at);
                        default -> text.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    }
                }
                texts.add(text.toString());
            }
        }
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(40); n > 0; n--) {
                text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            texts.add(text.toString());
        }
        int checked = 0;
        for (String name : Detectors.builtInNames()) {
            Detector detector = Detectors.builtIn(name).orElseThrow();
            if (!(detector instanceof Prefiltered prefiltered)) {
                continue;
            }
            for (String text : texts) {
                List<String> found = DetectorCorpus.found(detector, text);
                if (found.isEmpty()) {
                    continue;
                }
                checked++;
                for (Charset charset : List.of(StandardCharsets.UTF_8, StandardCharsets.ISO_8859_1)) {
                    if (charset.newEncoder().canEncode(text)) {
                        byte[] bytes = text.getBytes(charset);
                        assertThat(prefiltered.mayMatch(ByteProfile.of(bytes, 0, bytes.length)))
                                .as("%s skips %s (%s)", name, text, charset).isTrue();
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(1_000);
    }

    @Test
    void countsDigitsAndAnchorsOfTheRangeOnly() {
        byte[] bytes = "x@1-2.3(4+5 99".getBytes(StandardCharsets.US_ASCII);

        int profile = ByteProfile.of(bytes, 1, 11);

        assertThat(ByteProfile.digits(profile)).isEqualTo(5);
        for (int flag : new int[] {ByteProfile.AT, ByteProfile.DASH, ByteProfile.DOT, ByteProfile.PAREN,
                ByteProfile.PLUS}) {
            assertThat(ByteProfile.has(profile, flag)).isTrue();
        }
        assertThat(ByteProfile.of(bytes, 0, 1)).isZero();
    }

    @Test
    void maskingEncodedBytesGivesWhatMaskingTheDecodedTextGives() {
        MaskingPlan builtIns = plan(new TextMasker(Detectors.builtInNames().stream()
                .map(n -> Detectors.builtIn(n).orElseThrow()).toList(), Strategy.redact()));
        MaskingPlan twoRules = new MaskingRules(List.of(
                new MaskingRule("a", List.of(), java.util.Set.of(), List.of(), new TextMasker(List.of(
                        Detectors.builtIn("email").orElseThrow(), Detectors.regex("ref", "ORD-[0-9]+")),
                        Strategy.parse("hash", new byte[32]))),
                new MaskingRule("b", List.of(), java.util.Set.of(), List.of(), new TextMasker(List.of(
                        Detectors.builtIn("card").orElseThrow(), Detectors.builtIn("phone").orElseThrow()),
                        Strategy.parse("partial", new byte[0])))))
                .plan("db", java.util.Set.of());
        for (MaskingPlan plan : List.of(builtIns, twoRules)) {
            for (DetectorCorpus.Line line : DetectorCorpus.load()) {
                for (Charset charset : List.of(StandardCharsets.UTF_8, StandardCharsets.ISO_8859_1)) {
                    if (!charset.newEncoder().canEncode(line.text())) {
                        continue;
                    }
                    byte[] bytes = ("xx" + line.text() + "yy").getBytes(charset);
                    MaskTally byText = new MaskTally();
                    MaskTally byBytes = new MaskTally();
                    String text = new String(bytes, 2, bytes.length - 4, charset);

                    String expected = plan.maskText(text, byText);
                    java.util.Optional<String> actual = plan.maskEncoded(bytes, 2, bytes.length - 2, charset, byBytes);

                    assertThat(actual.orElse(text)).as(line.text()).isEqualTo(expected);
                    assertThat(actual.isPresent()).as(line.text()).isEqualTo(!expected.equals(text));
                    assertThat(byBytes.take()).as(line.text()).isEqualTo(byText.take());
                }
            }
        }
    }

    @Test
    void cleanBytesAreNotDecodedUnlessADetectorHasNoPrefilter() {
        byte[] clean = "call back tomorrow about the renewal".getBytes(StandardCharsets.UTF_8);
        MaskingPlan builtIns = plan(new TextMasker(List.of(Detectors.builtIn("email").orElseThrow(),
                Detectors.builtIn("card").orElseThrow()), Strategy.redact()));
        TextMasker withRegex = new TextMasker(List.of(Detectors.builtIn("email").orElseThrow(),
                Detectors.regex("ref", "ORD-[0-9]+")), Strategy.redact());
        int profile = ByteProfile.of(clean, 0, clean.length);

        assertThat(builtIns.rules().getFirst().detectors().mayMatch(profile)).isFalse();
        assertThat(withRegex.mayMatch(profile)).isTrue();
        assertThat(builtIns.maskEncoded(clean, 0, clean.length, StandardCharsets.UTF_8, new MaskTally())).isEmpty();
    }

    private static MaskingPlan plan(TextMasker masker) {
        return new MaskingRules(List.of(new MaskingRule("r", List.of(), java.util.Set.of(), List.of(), masker)))
                .plan("db", java.util.Set.of());
    }
}
