package dev.sluice.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.SessionSummary;

/**
 * Reads an embedded audit trail for auditors and exporters, through a connection of its own: in WAL mode it never
 * blocks the writer (in this process or another), and it sees every commit made before each call. It neither
 * migrates nor writes. Thread-safe: one read at a time; a failed read discards the connection, the next reopens it.
 */
public final class SqliteAuditReader implements AuditReader {
    private final Path file;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection;
    private boolean closed;

    private SqliteAuditReader(Path file) {
        this.file = file;
    }

    /**
     * A reader of the trail in {@code file}.
     *
     * @throws AuditStoreException if there is no such file
     */
    public static SqliteAuditReader open(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        if (!Files.isRegularFile(absolute)) {
            throw new AuditStoreException("no audit trail at " + absolute);
        }
        return new SqliteAuditReader(absolute);
    }

    @Override
    public List<AuditRecord> after(long afterSeq, int limit) {
        return search(AuditSearch.all().withAfterSeq(Math.max(0, afterSeq)).withLimit(limit));
    }

    @Override
    public long headSeq() {
        return read(c -> AuditTable.head(c, java.time.Instant.EPOCH).seq());
    }

    @Override
    public List<AuditRecord> search(AuditSearch search) {
        Objects.requireNonNull(search, "search");
        return read(c -> SearchSql.search(c, search));
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

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            discard();
        } finally {
            lock.unlock();
        }
    }

    private interface Read<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T read(Read<T> action) {
        lock.lock();
        try {
            if (closed) {
                throw new AuditStoreException("audit reader for " + file + " is closed");
            }
            if (connection == null) {
                connection = SqliteFiles.open(file, SyncMode.NORMAL);
            }
            return action.run(connection);
        } catch (SQLException e) {
            discard();
            throw new AuditStoreException("reading the audit store " + file + " failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void discard() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // a read-only connection loses nothing
        }
        connection = null;
    }
}
