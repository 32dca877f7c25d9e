package dev.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;

/**
 * Masks a text body line by line with the detectors in force (container logs, {@code logs -f}, server-sent events),
 * streaming: each complete line is masked and written as soon as it arrives, and the client is flushed whenever
 * upstream has nothing more buffered. A line longer than {@link #MAX_LINE} is masked in pieces of that size (a
 * value split across two pieces may escape a detector: the limit is documented). Used by one thread.
 */
final class LineMasker {
    static final int MAX_LINE = 64 * 1024;
    private final MaskingPlan plan;
    private final MaskTally tally = new MaskTally();

    LineMasker(MaskingPlan plan) {
        this.plan = plan;
    }

    void mask(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[Streams.BUFFER];
        byte[] line = new byte[MAX_LINE];
        int length = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            for (int i = 0; i < n; i++) {
                line[length++] = buffer[i];
                if (buffer[i] == '\n' || length == MAX_LINE) {
                    write(line, length, out);
                    length = 0;
                }
            }
            if (in.available() == 0) {
                out.flush();
            }
        }
        write(line, length, out);
        out.flush();
    }

    Map<String, Long> counts() {
        return tally.take();
    }

    private void write(byte[] line, int length, OutputStream out) throws IOException {
        if (length == 0) {
            return;
        }
        var masked = plan.maskEncoded(line, 0, length, StandardCharsets.UTF_8, tally);
        if (masked.isPresent()) {
            out.write(masked.get().getBytes(StandardCharsets.UTF_8));
        } else {
            out.write(line, 0, length);
        }
    }
}
