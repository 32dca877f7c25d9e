package dev.sluice.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One SQLite file. The chain lock is SQLite's own write lock ({@code BEGIN IMMEDIATE}), which also serialises
 * another process writing the same file. Reads share one connection, one at a time; a failed read discards it and
 * the next read reopens.
 */
final class SqliteBackend implements StoreBackend {
    private final Path file;
    private final SyncMode sync;
    private final ReentrantLock readLock = new ReentrantLock();
    private Connection reader;
    private boolean closed;

    SqliteBackend(Path file, SyncMode sync) {
        this.file = file;
        this.sync = sync;
    }

    Path file() {
        return file;
    }

    @Override
    public String name() {
        return file.toString();
    }

    @Override
    public String likeAnyCase() {
        return "LIKE";
    }

    @Override
    public Connection openWriter() throws SQLException {
        return SqliteFiles.open(file, sync);
    }

    @Override
    public void beginWrite(Connection connection) throws SQLException {
        execute(connection, "BEGIN IMMEDIATE");
    }

    @Override
    public void commit(Connection connection) throws SQLException {
        execute(connection, "COMMIT");
    }

    @Override
    public void rollback(Connection connection) throws SQLException {
        execute(connection, "ROLLBACK");
    }

    @Override
    public <T> T read(ReadAction<T> action) throws SQLException {
        readLock.lock();
        try {
            if (closed) {
                throw new AuditStoreException("audit store " + file + " is closed");
            }
            if (reader == null) {
                reader = SqliteFiles.open(file, sync);
            }
            execute(reader, "BEGIN");
            try {
                return action.run(reader);
            } finally {
                execute(reader, "ROLLBACK");
            }
        } catch (SQLException e) {
            closeReader();
            throw e;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public void close() {
        readLock.lock();
        try {
            closed = true;
            closeReader();
        } finally {
            readLock.unlock();
        }
    }

    private void closeReader() {
        SqliteFiles.closeQuietly(reader);
        reader = null;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
