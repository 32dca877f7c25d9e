package dev.sluice.export;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditRecord;

/** JSON lines on a stream: the {@code stdout} sink. The stream is not closed. */
final class StreamSink implements ExportSink {
    private final OutputStream out;

    StreamSink(OutputStream out) {
        this.out = out;
    }

    @Override
    public void send(List<AuditRecord> batch) throws IOException {
        StringBuilder text = new StringBuilder();
        for (AuditRecord record : batch) {
            text.append(AuditJson.toJson(record)).append('\n');
        }
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        // the process's stream stays open
    }
}
