package dev.sluice.ssh.scp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One control line of the legacy scp protocol ({@code scp -t} / {@code scp -f} on the host), as the source side
 * sends it. Byte layout (each line ends with {@code \n}):
 * <pre>
 *   C&lt;mode: 4 octal digits&gt; &lt;size: decimal&gt; &lt;name&gt;\n   a file; then size bytes, then a status byte
 *   D&lt;mode: 4 octal digits&gt; 0 &lt;name&gt;\n                a directory; its entries follow, up to an E line
 *   E\n                                             the end of the current directory
 *   T&lt;mtime&gt; 0 &lt;atime&gt; 0\n                            times of the next C or D (scp -p)
 *   \x01&lt;message&gt;\n  \x02&lt;message&gt;\n                  an error (\x02: fatal) from the source
 * </pre>
 * The sink answers each line with one response: {@code \0} (ok) or {@code \x01}/{@code \x02} and a message line.
 *
 * <p>Names are checked as OpenSSH's sink checks them and stricter: not empty, not {@code ..}, no {@code /}, no
 * control characters, valid UTF-8. A line is at most {@value #MAX_LINE} bytes.
 */
public sealed interface ScpLine {
    int MAX_LINE = 4096;
    /** The largest file size a C line may announce (OpenSSH reads it into an off_t). */
    long MAX_SIZE = Long.MAX_VALUE / 16;

    /** A file: {@code size} bytes of content follow once the sink has answered ok. */
    record File(String mode, long size, String name) implements ScpLine {
    }

    /** A directory: its entries follow, then {@link End}. */
    record Directory(String mode, String name) implements ScpLine {
    }

    /** The end of the current directory. */
    record End() implements ScpLine {
    }

    /** Modification and access times for the next file or directory. */
    record Time(String text) implements ScpLine {
    }

    /** An error the source reports ({@code fatal}: the {@code \x02} form, after which the sink exits). */
    record Error(boolean fatal, String message) implements ScpLine {
    }

    /** A line that breaks the protocol or the name rules; its message shows the rule. */
    final class MalformedLineException extends IOException {
        private static final long serialVersionUID = 1L;

        public MalformedLineException(String message) {
            super(message);
        }
    }

    /**
     * Reads one line (the bytes up to and including {@code \n}) into {@code raw}; empty at a clean end of stream (no
     * byte before it). The line is bounded before it is kept.
     */
    static Optional<byte[]> readRaw(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream result = new java.io.ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) >= 0) {
            result.write(b);
            if (b == '\n') {
                return Optional.of(result.toByteArray());
            }
            if (result.size() >= MAX_LINE) {
                throw new MalformedLineException("scp control line longer than " + MAX_LINE
                        + " bytes (expected: <= " + MAX_LINE + ")");
            }
        }
        if (result.size() == 0) {
            return Optional.empty();
        }
        throw new MalformedLineException("scp control line cut off by the end of the stream");
    }

    /** Decodes one raw line (with its {@code \n}). */
    static ScpLine parse(byte[] raw) throws MalformedLineException {
        if (raw.length < 2 || raw[raw.length - 1] != '\n') {
            throw new MalformedLineException("scp control line without its newline");
        }
        if (raw[0] == 1 || raw[0] == 2) {
            return new Error(raw[0] == 2, text(raw, 1, raw.length - 1, true));
        }
        String line = text(raw, 0, raw.length - 1, false);
        return switch (line.charAt(0)) {
            case 'E' -> {
                if (!line.equals("E")) {
                    throw new MalformedLineException("scp E line with arguments");
                }
                yield new End();
            }
            case 'T' -> {
                if (!line.matches("T[0-9]{1,20} [0-9]{1,9} [0-9]{1,20} [0-9]{1,9}")) {
                    throw new MalformedLineException("scp T line malformed (expected: T<mtime> 0 <atime> 0)");
                }
                yield new Time(line);
            }
            case 'C', 'D' -> entry(line);
            default -> throw new MalformedLineException("unknown scp control line type 0x"
                    + Integer.toHexString(raw[0] & 0xff));
        };
    }

    private static ScpLine entry(String line) throws MalformedLineException {
        // C0644 123 name: exactly four octal digits, a space, the size, a space, the name
        if (line.length() < 6 || !line.substring(1, 5).matches("[0-7]{4}") || line.charAt(5) != ' ') {
            throw new MalformedLineException("scp " + line.charAt(0) + " line: bad mode (expected: 4 octal digits)");
        }
        int space = line.indexOf(' ', 6);
        if (space < 0 || space == 6 || space > 6 + 18 || !line.substring(6, space).matches("[0-9]+")) {
            throw new MalformedLineException("scp " + line.charAt(0) + " line: bad size (expected: 1..18 digits)");
        }
        long size = Long.parseLong(line.substring(6, space));
        String name = line.substring(space + 1);
        checkName(name);
        if (line.charAt(0) == 'D') {
            return new Directory(line.substring(1, 5), name);
        }
        if (size > MAX_SIZE) {
            throw new MalformedLineException("scp file size " + size + " (expected: <= " + MAX_SIZE + ")");
        }
        return new File(line.substring(1, 5), size, name);
    }

    /**
     * Fail closed: a name that could leave the directory it is written into ({@code ..}, {@code /}), or that could
     * mislead a reader of the audit trail (control characters), is refused.
     */
    private static void checkName(String name) throws MalformedLineException {
        if (name.isEmpty() || name.equals("..") || name.indexOf('/') >= 0) {
            throw new MalformedLineException("scp file name \"" + printable(name)
                    + "\" is refused (expected: one path segment, not \"..\")");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0) {
                throw new MalformedLineException("scp file name \"" + printable(name)
                        + "\" is refused (expected: no control characters)");
            }
        }
    }

    private static String text(byte[] raw, int from, int to, boolean lenient) throws MalformedLineException {
        var decoder = StandardCharsets.UTF_8.newDecoder();
        CodingErrorAction action = lenient ? CodingErrorAction.REPLACE : CodingErrorAction.REPORT;
        decoder.onMalformedInput(action).onUnmappableCharacter(action);
        try {
            return decoder.decode(ByteBuffer.wrap(raw, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedLineException("scp control line is not UTF-8");
        }
    }

    /** {@code name} with control characters shown as {@code ?}, for messages. */
    static String printable(String name) {
        StringBuilder result = new StringBuilder();
        name.codePoints().limit(200).forEach(c -> result.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
        return result.toString();
    }

    /** The response or error line {@code \x01message\n} (one line: newlines in the message become spaces). */
    static byte[] error(String message) {
        return ("\u0001" + message.replace('\n', ' ').replace('\r', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code bytes} and flushes. */
    static void send(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }
}
