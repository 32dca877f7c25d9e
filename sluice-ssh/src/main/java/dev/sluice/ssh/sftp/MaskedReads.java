package dev.sluice.ssh.sftp;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * Masks what a caller reads of a file by SFTP, keeping every byte where it was: SFTP reads are addressed by offset
 * (and a client has many in flight, in any order), so a masked value must keep its byte length, and a value must be
 * found even when it straddles two reads.
 *
 * <p>So each READ of {@code [offset, offset + length)} is widened to a window of {@link #MARGIN} more bytes on each
 * side; the window is decoded as UTF-8 (a character cut at the window's left edge is left out), masked with
 * same-length masking ({@code MaskingPlan.maskTextSameLength}), and the requested range cut out of it. A detector
 * match no longer than the margin that overlaps the requested range therefore lies wholly inside the window, and
 * is masked alike in every read that shows part of it. A short answer from the server (the end of the file, or a
 * server that clamps long reads) is passed on only up to {@link #MARGIN} bytes before its end, unless the answer is
 * so short that it must be the end of the file; the client asks again for the rest, as SFTP clients do.
 *
 * <p>Fail closed: a window that is not text (not valid UTF-8, or with control characters other than tab, newline,
 * carriage return, form feed, backspace and escape: a NUL-padded UTF-16 text would hide values from the detectors)
 * is refused, never passed on unmasked. Stateless; used from the gate's target thread.
 */
public final class MaskedReads {
    /** Bytes read on each side of a requested range: the longest value a detector is sure to find whole. */
    static final int MARGIN = 8 * 1024;
    /** The most a masked read returns at once (OpenSSH's sftp-server reads at most 255 KiB). */
    static final int MAX_READ = 128 * 1024;

    private final UnaryOperator<String> mask;

    /** {@code mask} keeps the UTF-8 byte length of what it is given. */
    public MaskedReads(UnaryOperator<String> mask) {
        this.mask = mask;
    }

    /** The widened read asked of the server for a client's READ of {@code [offset, offset + length)}. */
    record Window(long offset, int length, long start, int windowLength) {
        static Window of(long offset, int length) {
            // the length is an unsigned uint32: above 2^31 it reads as negative here, and means "a lot"
            int take = length < 0 ? MAX_READ : Math.min(length, MAX_READ);
            long start = Math.max(0, offset - MARGIN);
            return new Window(offset, take, start, (int) (offset - start) + take + MARGIN);
        }
    }

    /** What the client gets for a window's DATA. */
    sealed interface Cut {
        record Data(byte[] bytes) implements Cut {
        }

        /** Nothing at or after the offset: the end of the file. */
        record Eof() implements Cut {
        }

        /** Not text: refused. */
        record NotText(String reason) implements Cut {
        }
    }

    /** Masks the server's answer {@code data} (which starts at {@code window.start()}) and cuts the client's part. */
    Cut cut(Window window, byte[] data) {
        int before = (int) (window.offset() - window.start());
        boolean full = data.length >= window.windowLength();
        int end;
        if (full) {
            end = before + window.length();
        } else if (data.length <= before + MARGIN) {
            end = data.length; // so short an answer is the end of the file
        } else {
            end = data.length - MARGIN;
        }
        end = Math.min(end, before + window.length());
        if (end <= before) {
            return new Cut.Eof();
        }
        // the decoded part: a character cut at the left edge is left out, and at the right edge of a full window
        int from = 0;
        if (window.start() > 0) {
            while (from < Math.min(3, data.length) && (data[from] & 0xC0) == 0x80) {
                from++;
            }
        }
        int to = data.length;
        if (full || to > end) {
            to = trimIncomplete(data, from, to);
        }
        if (to < end) {
            return new Cut.NotText("a character is cut off");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return new Cut.NotText("not UTF-8 text");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\b' && c != 0x1b) {
                return new Cut.NotText("control character 0x" + Integer.toHexString(c));
            }
        }
        String masked = mask.apply(text);
        byte[] result = new byte[end - before];
        if (masked == text) {
            System.arraycopy(data, before, result, 0, result.length);
            return new Cut.Data(result);
        }
        byte[] encoded = masked.getBytes(StandardCharsets.UTF_8);
        if (encoded.length != to - from) {
            // Fail closed: a masking that moved bytes would corrupt every later offset.
            return new Cut.NotText("masking changed the length");
        }
        System.arraycopy(encoded, before - from, result, 0, result.length);
        return new Cut.Data(result);
    }

    /** {@code to}, moved back before a UTF-8 sequence that starts but does not end before it. */
    private static int trimIncomplete(byte[] data, int from, int to) {
        for (int back = 1; back <= 3 && to - back >= from; back++) {
            int b = data[to - back] & 0xFF;
            if (b < 0x80) {
                return to;
            }
            if (b >= 0xC0) {
                int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return need > back ? to - back : to;
            }
        }
        return to;
    }
}
