package dev.sluice.server;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.time.Clock;
import java.util.List;

import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.export.ExportStatus;
import dev.sluice.export.Exports;
import dev.sluice.store.AuditStores;

/**
 * What the gateway offers auditors beside its own trail: a reader for searches, sessions and recordings, and the
 * export sinks tailing the trail. Started once with the gateway, after the audit store exists. The reader is the
 * configured store's ({@link AuditStores#reader}): with the PostgreSQL store every replica searches, lists and
 * exports the one shared trail.
 */
final class Evidence implements AutoCloseable {
    private final AuditReader reader;
    private final Exports exports;

    private Evidence(AuditReader reader, Exports exports) {
        this.reader = reader;
        this.exports = exports;
    }

    static Evidence start(SluiceConfig config, Clock clock) {
        AuditReader reader = AuditStores.reader(config);
        try {
            Exports exports = Exports.start(EvidenceConfig.bind(config, new dev.sluice.core.config.ConfigProblems()).exports(), reader, config.dataDir(),
                    new FileOutputStream(FileDescriptor.out), clock);
            return new Evidence(reader, exports);
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    AuditReader reader() {
        return reader;
    }

    List<ExportStatus> exports() {
        return exports.status();
    }

    @Override
    public void close() {
        exports.close();
        reader.close();
    }
}
