package dev.sluice.core.masking;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The labelled detector corpus in {@code masking/corpus.tsv}. */
final class DetectorCorpus {
    static final String ANY = "*";

    record Line(int number, String text, String detector, List<String> expected) {
    }

    private DetectorCorpus() {
    }

    static List<Line> load() {
        List<Line> result = new ArrayList<>();
        try (InputStream in = Objects.requireNonNull(DetectorCorpus.class.getResourceAsStream("/masking/corpus.tsv"));
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String raw;
            int number = 0;
            while ((raw = reader.readLine()) != null) {
                number++;
                if (raw.isBlank() || raw.startsWith("#")) {
                    continue;
                }
                String[] cols = raw.split("\t", -1);
                List<String> expected = cols[2].equals("none") ? List.of()
                        : Arrays.stream(cols, 2, cols.length).map(DetectorCorpus::unescape).toList();
                result.add(new Line(number, unescape(cols[0]), cols[1], expected));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /** What {@code detector} finds in {@code text}, overlapping spans merged, as substrings in text order. */
    static List<String> found(Detector detector, String text) {
        List<int[]> spans = new ArrayList<>();
        detector.find(text, (s, e) -> spans.add(new int[] {s, e}));
        spans.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<String> result = new ArrayList<>();
        int i = 0;
        while (i < spans.size()) {
            int start = spans.get(i)[0];
            int end = spans.get(i)[1];
            for (i++; i < spans.size() && spans.get(i)[0] < end; i++) {
                end = Math.max(end, spans.get(i)[1]);
            }
            result.add(text.substring(start, end));
        }
        return result;
    }

    private static String unescape(String s) {
        StringBuilder result = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char next = s.charAt(++i);
                result.append(switch (next) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> next;
                });
            } else {
                result.append(c);
            }
        }
        return result.toString();
    }
}
