package dev.sluice.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An audit log in memory for tests: keeps every event, or fails every write while {@link #failing}. */
public final class RecordingTrail implements AuditLog {
    private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    public volatile boolean failing;

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

    public <T extends AuditEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public <T extends AuditEvent> T only(Class<T> type) {
        assertThat(all(type)).hasSize(1);
        return all(type).getFirst();
    }
}
