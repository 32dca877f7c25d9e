package dev.sluice.core.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class DetectorsTest {
    @Test
    void listsEveryBuiltInByName() {
        assertThat(Detectors.builtInNames()).containsExactly("card", "email", "ssn", "phone", "iban", "ipv4",
                "ipv6", "jwt", "private-key", "aws-key", "github-token", "slack-token");
        for (String name : Detectors.builtInNames()) {
            assertThat(Detectors.builtIn(name)).hasValueSatisfying(d -> assertThat(d.name()).isEqualTo(name));
        }
        assertThat(Detectors.builtIn("passport")).isEmpty();
    }

    @Test
    void customRegexReportsEveryMatch() {
        Detector employeeId = Detectors.regex("employee-id", "EMP-\\d{6}");

        assertThat(spans(employeeId, "EMP-123456 and EMP-654321, not EMP-12"))
                .containsExactly("EMP-123456", "EMP-654321");
        assertThat(employeeId.name()).isEqualTo("employee-id");
    }

    @Test
    void rejectsCustomPatternsThatCanMatchTheEmptyString() {
        for (String pattern : List.of("a*", "\\b", "(?=x)", "x?", "^", "(foo)?", "|a")) {
            assertThatThrownBy(() -> Detectors.regex("custom", pattern)).as(pattern)
                    .isInstanceOf(MaskingConfigException.class).hasMessageContaining("empty string");
        }
    }

    @Test
    void rejectsInvalidPatternsAndNames() {
        assertThatThrownBy(() -> Detectors.regex("custom", "(unclosed")).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("invalid pattern");
        assertThatThrownBy(() -> Detectors.regex("Bad Name", "x")).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("not valid");
        assertThatThrownBy(() -> Detectors.regex("card", "x")).isInstanceOf(MaskingConfigException.class)
                .hasMessageContaining("built-in");
        assertThatThrownBy(() -> Detectors.regex("custom", "x".repeat(2000)))
                .isInstanceOf(MaskingConfigException.class);
    }

    @Test
    void catastrophicBacktrackingIsCutShortAndMasksTheWholeValue() {
        Detector evil = Detectors.regex("evil", "(.*a){12}b"); // polynomial blow-up the JDK cannot memoise
        String text = "a".repeat(40) + "!";

        long started = System.nanoTime();
        List<String> found = spans(evil, text);
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(found).containsExactly(text);
        assertThat(millis).isLessThan(5_000);
    }

    @Test
    void cardDetectorTakesTheLongestValidNumberAndIgnoresLongerDigitRuns() {
        Detector card = Detectors.builtIn("card").orElseThrow();

        assertThat(spans(card, "4242 4242 4242 4242 1234")).containsExactly("4242 4242 4242 4242");
        assertThat(spans(card, "42424242424242424242")).isEmpty();
        assertThat(spans(card, "1".repeat(100_000))).isEmpty();
    }

    @Test
    void detectorsStayLinearOnPathologicalInput() {
        List<String> inputs = List.of("@".repeat(200_000), "a@".repeat(100_000), ":".repeat(200_000),
                "1:".repeat(100_000), "1.".repeat(100_000), "-".repeat(200_000), "1-".repeat(100_000),
                "eyJ".repeat(70_000), "-----BEGIN ".repeat(20_000), "_gh".repeat(70_000), "xox".repeat(70_000),
                "DE89".repeat(50_000), "+1".repeat(100_000), "(".repeat(200_000), "4 ".repeat(100_000),
                "secret_access_key=".repeat(10_000));
        for (String name : Detectors.builtInNames()) {
            Detector detector = Detectors.builtIn(name).orElseThrow();
            for (String input : inputs) {
                long started = System.nanoTime();
                detector.find(input, (s, e) -> { });
                long millis = (System.nanoTime() - started) / 1_000_000;
                // linear takes milliseconds; quadratic on 200,000 characters takes minutes: a wide bound
                // catches it and stays true on a loaded machine
                assertThat(millis).as("%s on %s...", name, input.substring(0, 12)).isLessThan(20_000);
            }
        }
    }

    private static List<String> spans(Detector detector, String text) {
        List<String> result = new ArrayList<>();
        detector.find(text, (s, e) -> result.add(text.substring(s, e)));
        return result;
    }
}
