package dev.sluice.export;

import java.io.IOException;
import java.util.List;

import dev.sluice.core.audit.AuditRecord;

/**
 * Delivers batches of audit events somewhere outside Sluice. Called from one exporter thread only. {@link #send}
 * returns only once the whole batch is delivered as far as the sink can tell; it throws otherwise, and the same
 * batch (or a longer one starting with it) is sent again later: delivery is at least once, consumers deduplicate by
 * {@code seq}.
 */
interface ExportSink extends AutoCloseable {

    void send(List<AuditRecord> batch) throws IOException;

    /** Releases connections; the sink may be used again afterwards (it reconnects). */
    @Override
    void close();
}
