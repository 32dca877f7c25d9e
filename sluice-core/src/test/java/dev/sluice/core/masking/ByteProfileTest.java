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
    void aPlanSkipsCleanBytesOnlyWhenEveryDetectorHasAPrefilter() {
        byte[] clean = "call back tomorrow about the renewal".getBytes(StandardCharsets.UTF_8);
        byte[] email = "write to jane@example.com".getBytes(StandardCharsets.UTF_8);
        MaskingPlan builtIns = plan(new TextMasker(List.of(Detectors.builtIn("email").orElseThrow(),
                Detectors.builtIn("card").orElseThrow()), Strategy.redact()));
        MaskingPlan withRegex = plan(new TextMasker(List.of(Detectors.builtIn("email").orElseThrow(),
                Detectors.regex("ref", "ORD-[0-9]+")), Strategy.redact()));

        assertThat(builtIns.mayDetect(clean, 0, clean.length)).isFalse();
        assertThat(builtIns.mayDetect(email, 0, email.length)).isTrue();
        assertThat(withRegex.mayDetect(clean, 0, clean.length)).isTrue();
        assertThat(MaskingPlan.empty().mayDetect(email, 0, email.length)).isFalse();
    }

    private static MaskingPlan plan(TextMasker masker) {
        return new MaskingRules(List.of(new MaskingRule("r", List.of(), java.util.Set.of(), List.of(), masker)))
                .plan("db", java.util.Set.of());
    }
}
