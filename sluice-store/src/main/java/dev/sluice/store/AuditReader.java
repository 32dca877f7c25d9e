package dev.sluice.store;

import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * Read access to an audit store, with no writer: for the {@code sluice audit} commands, which may run while Sluice
 * (or several replicas) write the same store, and for the stores themselves. Sees every commit made before each
 * call. Thread-safe.
 */
public final class AuditReader implements AutoCloseable {
    /** The largest {@link AuditQuery#limit()} accepted. */
    public static final int MAX_QUERY_LIMIT = AuditTable.MAX_LIMIT;

    private final StoreBackend backend;

    AuditReader(StoreBackend backend) {
        this.backend = backend;
    }

    /**
     * Reads matching events, oldest first; the newest are kept when {@code query.limit()} cuts. {@code since} is
     * inclusive, {@code until} exclusive.
     *
     * @throws AuditStoreException if the limit is outside 1..{@link #MAX_QUERY_LIMIT} or the read fails
     */
    public List<AuditRecord> query(AuditQuery query) {
        Objects.requireNonNull(query, "query");
        return read(connection -> AuditTable.query(connection, query));
    }

    /** Walks the whole trail in one snapshot; see {@link ChainVerifier} for what is checked. */
    public ChainVerification verify(VerifyOptions options) {
        Objects.requireNonNull(options, "options");
        return read(connection -> ChainVerifier.verify(connection, options));
    }

    /** The newest checkpoint, if any. */
    public Optional<Checkpoint> latestCheckpoint() {
        return read(Checkpoints::latest);
    }

    public String name() {
        return backend.name();
    }

    private <T> T read(StoreBackend.ReadAction<T> action) {
        try {
            return backend.read(action);
        } catch (SQLException e) {
            throw new AuditStoreException("reading the audit store " + backend.name() + " failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
