package dev.sluice.server;

import java.util.List;

import dev.sluice.core.audit.AuditEvent;
import dev.sluice.core.audit.AuditLog;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * The audit log the gateway hands to its protocols, measured: times every durable write, counts every event into
 * {@link GatewayMetrics} once it is durable, and tells {@link AuditHealth} whether writes succeed. It changes
 * nothing about what is written or when: a failed write still throws to the caller, which refuses its action
 * (fail closed). Closing it does not close the store; the gateway does. Thread-safe.
 */
final class MeteredAuditLog implements AuditLog {
    private final AuditLog store;
    private final GatewayMetrics metrics;
    private final AuditHealth health;

    MeteredAuditLog(AuditLog store, GatewayMetrics metrics, AuditHealth health) {
        this.store = store;
        this.metrics = metrics;
        this.health = health;
    }

    @Override
    public long append(AuditEvent event) {
        long start = System.nanoTime();
        long result;
        try {
            result = store.append(event);
        } catch (RuntimeException e) {
            failed();
            throw e;
        }
        succeeded(event, start);
        return result;
    }

    @Override
    public void writeAhead(AuditEvent event) {
        long start = System.nanoTime();
        try {
            store.writeAhead(event);
        } catch (RuntimeException e) {
            failed();
            throw e;
        }
        succeeded(event, start);
    }

    @Override
    public void appendLater(AuditEvent event) {
        try {
            store.appendLater(event);
        } finally {
            // the fact happened (a session ended) whether or not it could be queued: gauges must follow it
            metrics.observe(event);
        }
    }

    @Override
    public List<AuditRecord> query(AuditQuery query) {
        return store.query(query);
    }

    private void succeeded(AuditEvent event, long start) {
        metrics.auditWritten(System.nanoTime() - start);
        health.writeSucceeded();
        metrics.observe(event);
    }

    private void failed() {
        metrics.auditFailed();
        health.writeFailed();
    }

    @Override
    public void close() {
        // the gateway closes the store itself
    }
}
