package dev.sluice.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditWriteException;

/** An audit log in memory for the session tests: keeps every event, or fails every write while {@link #failing}. */
final class RecordingTrail implements AuditLog {
    private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    volatile boolean failing;

    @Override
    public long append(AuditEvent event) {
        if (failing) {
            throw new AuditWriteException("disk full", new java.io.IOException("disk full"));
        }
        events.add(event);
        return events.size();
    }

    @Override
    public List<AuditRecord> query(AuditQuery query) {
        return List.of();
    }

    @Override
    public void close() {
    }

    <T extends AuditEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends AuditEvent> T only(Class<T> type) {
        assertThat(all(type)).hasSize(1);
        return all(type).getFirst();
    }
}
