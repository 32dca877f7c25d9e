package dev.sluice.server;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import dev.sluice.core.audit.AuditReader;
import dev.sluice.export.ExportStatus;
import dev.sluice.export.Exports;
import dev.sluice.store.SqliteAuditReader;

/**
 * What the gateway offers auditors beside its own trail: a reader for searches, sessions and recordings, and the
 * export sinks tailing the trail. Started once with the gateway, after the audit store exists.
 */
final class Evidence implements AutoCloseable {
    private final SqliteAuditReader reader;
    private final Exports exports;

    private Evidence(SqliteAuditReader reader, Exports exports) {
        this.reader = reader;
        this.exports = exports;
    }

    static Evidence start(EvidenceConfig config, Path auditFile, Path dataDir, Clock clock) {
        SqliteAuditReader reader = SqliteAuditReader.open(auditFile);
        try {
            Exports exports = Exports.start(config.exports(), reader, dataDir,
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
