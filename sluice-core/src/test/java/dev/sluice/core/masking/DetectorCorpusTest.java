package dev.sluice.core.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Runs every built-in detector over the labelled corpus and prints precision and recall per detector. A line
 * labelled for a detector is scored for that detector; a line labelled {@code *} is a hard negative for all.
 */
class DetectorCorpusTest {
    private static final double REQUIRED = 0.95;

    private static final class Score {
        int truePositives;
        int falsePositives;
        int falseNegatives;
        final List<String> mistakes = new ArrayList<>();

        double precision() {
            int reported = truePositives + falsePositives;
            return reported == 0 ? 1.0 : (double) truePositives / reported;
        }

        double recall() {
            int wanted = truePositives + falseNegatives;
            return wanted == 0 ? 1.0 : (double) truePositives / wanted;
        }
    }

    @Test
    void everyBuiltInDetectorReachesRequiredPrecisionAndRecallOnTheCorpus() {
        List<DetectorCorpus.Line> corpus = DetectorCorpus.load();
        Map<String, Score> scores = new LinkedHashMap<>();
        for (String name : Detectors.builtInNames()) {
            Detector detector = Detectors.builtIn(name).orElseThrow();
            Score score = new Score();
            scores.put(name, score);
            for (DetectorCorpus.Line line : corpus) {
                if (line.detector().equals(name) || line.detector().equals(DetectorCorpus.ANY)) {
                    score(score, line, DetectorCorpus.found(detector, line.text()));
                }
            }
        }
        System.out.printf("%-13s %5s %4s %4s %4s %9s %7s%n", "detector", "lines", "tp", "fp", "fn", "precision",
                "recall");
        scores.forEach((name, s) -> {
            long lines = corpus.stream().filter(l -> l.detector().equals(name)).count();
            System.out.printf("%-13s %5d %4d %4d %4d %9.3f %7.3f%n", name, lines, s.truePositives,
                    s.falsePositives, s.falseNegatives, s.precision(), s.recall());
            s.mistakes.forEach(m -> System.out.println("    " + m));
        });
        scores.forEach((name, s) -> {
            assertThat(s.precision()).as("precision of %s; mistakes: %s", name, s.mistakes).isGreaterThanOrEqualTo(REQUIRED);
            assertThat(s.recall()).as("recall of %s; mistakes: %s", name, s.mistakes).isGreaterThanOrEqualTo(REQUIRED);
        });
    }

    @Test
    void corpusHasPositiveAndNegativeCasesForEveryBuiltIn() {
        List<DetectorCorpus.Line> corpus = DetectorCorpus.load();
        for (String name : Detectors.builtInNames()) {
            assertThat(corpus).as(name + " positives")
                    .anyMatch(l -> l.detector().equals(name) && !l.expected().isEmpty());
            assertThat(corpus).as(name + " negatives")
                    .anyMatch(l -> l.detector().equals(name) && l.expected().isEmpty());
        }
    }

    @Test
    void printsWhatEachDetectorFindsOnLinesLabelledForAnother() {
        List<DetectorCorpus.Line> corpus = DetectorCorpus.load();
        System.out.println("cross-detector findings (informational):");
        for (String name : Detectors.builtInNames()) {
            Detector detector = Detectors.builtIn(name).orElseThrow();
            for (DetectorCorpus.Line line : corpus) {
                if (!line.detector().equals(name) && !line.detector().equals(DetectorCorpus.ANY)) {
                    List<String> found = DetectorCorpus.found(detector, line.text());
                    if (!found.isEmpty()) {
                        System.out.println("  " + name + " on line " + line.number() + " (" + line.detector() + "): "
                                + printable(String.join(" | ", found)));
                    }
                }
            }
        }
    }

    private static void score(Score score, DetectorCorpus.Line line, List<String> found) {
        List<String> missing = new ArrayList<>(line.expected());
        for (String span : found) {
            if (missing.remove(span)) {
                score.truePositives++;
            } else {
                score.falsePositives++;
                score.mistakes.add("line " + line.number() + " false positive: " + printable(span));
            }
        }
        score.falseNegatives += missing.size();
        missing.forEach(m -> score.mistakes.add("line " + line.number() + " missed: " + printable(m)));
    }

    private static String printable(String s) {
        return s.replace("\n", "\\n");
    }
}
