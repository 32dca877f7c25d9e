package dev.sluice.ssh;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * Applies the connection's masking detectors to a command's output on its way to the caller, line by line: a line is
 * held until its newline (or until {@link #MAX_LINE} bytes), masked, and passed on. A line that is not valid UTF-8
 * (a file in ISO-8859-1 or another single-byte encoding, a binary stream) is masked read as ISO-8859-1, which maps
 * every byte to one character and back: the detectors' ASCII patterns are found in any ASCII-compatible encoding,
 * and bytes no detector matches pass unchanged. Used by one writer thread at a time.
 */
final class MaskingStream extends FilterOutputStream {
    static final int MAX_LINE = 64 * 1024;

    private final UnaryOperator<String> mask;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    MaskingStream(OutputStream out, UnaryOperator<String> mask) {
        super(out);
        this.mask = mask;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n' || line.size() + (i - start + 1) >= MAX_LINE) {
                line.write(b, start, i - start + 1);
                emit();
                start = i + 1;
            }
        }
        line.write(b, start, off + len - start);
    }

    @Override
    public void flush() throws IOException {
        out.flush(); // a partial line waits for its end: a detector may need all of it
    }

    @Override
    public void close() throws IOException {
        emit();
        out.flush();
    }

    private void emit() throws IOException {
        if (line.size() == 0) {
            return;
        }
        byte[] bytes = line.toByteArray();
        line.reset();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // Fail closed: not UTF-8 is not "not text" (found by red-teaming: a Latin-1 export passed unmasked).
            out.write(mask.apply(new String(bytes, StandardCharsets.ISO_8859_1))
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return;
        }
        out.write(mask.apply(text).getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
