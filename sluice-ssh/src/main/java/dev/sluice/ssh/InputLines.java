package dev.sluice.ssh;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reconstructs the lines a user types into an interactive shell from the raw terminal input, well enough to be useful
 * in the audit trail as <em>observed input</em> (never as a security boundary: line editing, history, aliases, tab
 * completion and programs reading their own input make the real command unknowable). Handles printable text,
 * backspace/DEL, Ctrl-U (kill line), Ctrl-W (kill word), Ctrl-C (discard), and skips escape sequences (arrow keys);
 * Enter ends a line. A line is capped at {@link #MAX_LINE} characters. Used by the input thread only.
 */
final class InputLines {
    static final int MAX_LINE = 4096;

    private final Consumer<String> lines;
    private final StringBuilder line = new StringBuilder();
    private int escape; // 0 none, 1 after ESC, 2 in a CSI sequence
    private final java.io.ByteArrayOutputStream utf8 = new java.io.ByteArrayOutputStream();

    InputLines(Consumer<String> lines) {
        this.lines = lines;
    }

    void feed(byte[] bytes, int off, int len) {
        for (int i = off; i < off + len; i++) {
            feed(bytes[i] & 0xFF);
        }
    }

    private void feed(int b) {
        if (escape == 1) {
            escape = (b == '[' || b == 'O') ? 2 : 0;
            return;
        }
        if (escape == 2) {
            if (b >= 0x40 && b <= 0x7E) {
                escape = 0;
            }
            return;
        }
        switch (b) {
            case 0x1B -> escape = 1;
            case '\r', '\n' -> {
                flushUtf8();
                if (!line.isEmpty()) {
                    lines.accept(line.toString());
                }
                line.setLength(0);
            }
            case 0x7F, 0x08 -> {
                flushUtf8();
                if (!line.isEmpty()) {
                    line.setLength(line.length() - 1);
                }
            }
            case 0x15, 0x03 -> {
                utf8.reset();
                line.setLength(0);
            }
            case 0x17 -> {
                flushUtf8();
                int end = line.length();
                while (end > 0 && line.charAt(end - 1) == ' ') {
                    end--;
                }
                while (end > 0 && line.charAt(end - 1) != ' ') {
                    end--;
                }
                line.setLength(end);
            }
            default -> {
                if (b == '\t' || b >= 0x20) {
                    if (b < 0x80) {
                        flushUtf8();
                        append((char) b);
                    } else {
                        utf8.write(b);
                    }
                }
            }
        }
    }

    private void flushUtf8() {
        if (utf8.size() > 0) {
            String text = utf8.toString(StandardCharsets.UTF_8);
            utf8.reset();
            for (int i = 0; i < text.length(); i++) {
                append(text.charAt(i));
            }
        }
    }

    private void append(char c) {
        if (line.length() < MAX_LINE) {
            line.append(c);
        }
    }
}
