package dev.sluice.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.sluice.core.approval.AccessGrant;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.approval.ApprovalStore;

/**
 * The one {@link ApprovalStore}: the approval tables ({@link ApprovalStoreSql}, the same statements on SQLite and
 * PostgreSQL) reached through {@link ApprovalCalls}. Every store sharing the tables shares requests and grants;
 * updates are compare-and-set on the version. Thread-safe.
 */
final class ApprovalTables implements ApprovalStore {
    /** The most requests one list returns. */
    static final int MAX_LIST = 1000;

    private final ApprovalCalls calls;

    ApprovalTables(ApprovalCalls calls) {
        this.calls = calls;
    }

    @Override
    public void create(ApprovalRequest request) {
        calls.call(c -> ApprovalStoreSql.insert(c, request));
    }

    @Override
    public Optional<ApprovalRequest> find(String id) {
        return calls.call(c -> ApprovalStoreSql.find(c, id));
    }

    @Override
    public List<ApprovalRequest> list(Optional<ApprovalState> state, int limit) {
        int bounded = Math.clamp(limit, 1, MAX_LIST);
        return calls.call(c -> ApprovalStoreSql.list(c, state, bounded));
    }

    @Override
    public boolean update(ApprovalRequest next) {
        return calls.call(c -> ApprovalStoreSql.update(c, next));
    }

    @Override
    public void addGrant(AccessGrant grant) {
        calls.call(c -> ApprovalStoreSql.insertGrant(c, grant));
    }

    @Override
    public List<AccessGrant> activeGrants(String issuer, String subject, String connectionName, String shape,
                                          Instant now) {
        return calls.call(c -> ApprovalStoreSql.activeGrants(c, issuer, subject, connectionName, shape, now));
    }

    @Override
    public void close() {
        calls.close();
    }
}
