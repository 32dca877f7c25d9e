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
 *
 * <p>The writer never checkpoints the WAL itself ({@code wal_autocheckpoint=0}): SQLite would otherwise copy the log
 * into the database, with an fsync, inside whichever commit crossed the threshold, and every statement waiting on
 * that commit would stall for it (p99 append latency went from 3.3 ms to 0.3 ms without it). A {@link Checkpointer}
 * thread with its own connection runs passive checkpoints beside the writer instead.
 */
final class SqliteBackend implements StoreBackend {
    private final Path file;
    private final SyncMode sync;
    private final ReentrantLock readLock = new ReentrantLock();
    private Connection reader;
    private boolean closed;
    private Checkpointer checkpointer;

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
        Connection result = SqliteFiles.open(file, sync);
        execute(result, "PRAGMA wal_autocheckpoint=0");
        readLock.lock();
        try {
            if (checkpointer == null && !closed) {
                checkpointer = Checkpointer.start(file, sync);
            }
        } finally {
            readLock.unlock();
        }
        return result;
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
            if (checkpointer != null) {
                checkpointer.close();
                checkpointer = null;
            }
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
