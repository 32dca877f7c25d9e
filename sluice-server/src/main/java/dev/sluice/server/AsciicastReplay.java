package dev.sluice.server;

import java.io.PrintWriter;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Plays an {@code asciicast/v2} recording (SSH sessions) from its chunks: output events written to the terminal at the
 * recorded pace (times {@code speed}; no pauses when empty), markers (judged commands, outcomes, observed input) as
 * dim lines, input events skipped; or, raw, the asciicast file itself for the standard asciinema player. Chunks may
 * cut the stream anywhere between lines. Used by one thread.
 */
final class AsciicastReplay {
    static final String FORMAT = "asciicast/v2";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final PrintWriter out;
    private final Optional<Double> speed;
    private final boolean raw;
    private final StringBuilder partial = new StringBuilder();
    private double previous = -1;

    AsciicastReplay(PrintWriter out, Optional<Double> speed, boolean raw) {
        this.out = out;
        this.speed = speed;
        this.raw = raw;
    }

    /** One chunk's content, in index order. */
    void chunk(String content) throws InterruptedException {
        partial.append(content);
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, newline);
            partial.delete(0, newline + 1);
            line(line);
        }
        out.flush();
    }

    private void line(String line) throws InterruptedException {
        if (raw) {
            out.print(line + "\n");
            return;
        }
        JsonNode event;
        try {
            event = MAPPER.readTree(line);
        } catch (java.io.IOException e) {
            return; // a line that is not JSON is not played
        }
        if (event == null || !event.isArray() || event.size() != 3) {
            return; // the header
        }
        double time = event.get(0).asDouble();
        String code = event.get(1).asText();
        String text = event.get(2).asText();
        pace(time);
        switch (code) {
            case "o" -> out.print(text);
            case "m" -> out.print("\r\n\u001b[2m[sluice] " + text.replace("\n", " ") + "\u001b[0m\r\n");
            default -> {
                // input and resize events are not replayed into the terminal
            }
        }
    }

    private void pace(double time) throws InterruptedException {
        if (speed.isPresent() && previous >= 0 && time > previous) {
            out.flush();
            Thread.sleep((long) ((time - previous) * 1000 / speed.get()));
        }
        previous = Math.max(previous, time);
    }
}
