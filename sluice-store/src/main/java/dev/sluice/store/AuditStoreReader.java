package dev.sluice.store;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.SessionSummary;

/**
 * Reads an audit store, embedded or PostgreSQL, with no writer: the auditors' searches, sessions and feed of
 * {@link AuditReader}, plus what only a store can answer (the newest-events query of {@code sluice audit}, chain
 * verification, checkpoints). It may run while Sluice, or several replicas, write the same store; every call reads
 * one snapshot and sees every commit made before it. Obtain one from {@link AuditStores#reader}. Thread-safe.
 */
public final class AuditStoreReader implements AuditReader {
    /** The largest {@link AuditQuery#limit()} accepted. */
    public static final int MAX_QUERY_LIMIT = AuditTable.MAX_LIMIT;

    private final StoreBackend backend;

    AuditStoreReader(StoreBackend backend) {
        this.backend = backend;
    }

    @Override
    public List<AuditRecord> after(long afterSeq, int limit) {
        return search(AuditSearch.all().withAfterSeq(Math.max(0, afterSeq)).withLimit(limit));
    }

    @Override
    public long headSeq() {
        return read(c -> AuditTable.head(c, Instant.EPOCH).seq());
    }

    @Override
    public List<AuditRecord> search(AuditSearch search) {
        Objects.requireNonNull(search, "search");
        return read(c -> SearchSql.search(c, search, backend.likeAnyCase()));
    }

    @Override
    public List<SessionSummary> sessions(AuditSearch search) {
        Objects.requireNonNull(search, "search");
        return read(c -> SearchSql.sessions(c, search, Optional.empty()));
    }

    @Override
    public Optional<SessionSummary> session(String id) {
        Objects.requireNonNull(id, "id");
        return read(c -> SearchSql.sessions(c, AuditSearch.all().withLimit(1), Optional.of(id))).stream()
                .findFirst();
    }

    /**
     * Reads matching events, oldest first; the newest are kept when {@code query.limit()} cuts. {@code since} is
     * inclusive, {@code until} exclusive.
     *
     * @throws AuditStoreException if the limit is outside 1..{@link #MAX_QUERY_LIMIT} or the read fails
     */
    public List<AuditRecord> query(AuditQuery query) {
        Objects.requireNonNull(query, "query");
        return read(c -> SearchSql.query(c, query));
    }

    /** Walks the whole trail in one snapshot; see {@link ChainVerifier} for what is checked. */
    public ChainVerification verify(VerifyOptions options) {
        Objects.requireNonNull(options, "options");
        return read(c -> ChainVerifier.verify(c, options));
    }

    /** The newest checkpoint, if any. */
    public Optional<Checkpoint> latestCheckpoint() {
        return read(Checkpoints::latest);
    }

    /** Names the store in messages: its file, or its JDBC URL. */
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
