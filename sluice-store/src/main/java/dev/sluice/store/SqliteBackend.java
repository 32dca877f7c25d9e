package dev.sluice.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQLite file. The chain lock is SQLite's own write lock ({@code BEGIN IMMEDIATE}), which also serialises
 * another process writing the same file. Reads share one connection, one at a time; a failed read discards it and
 * the next read reopens.
 *
 * <p>The writer never checkpoints the WAL itself ({@code wal_autocheckpoint=0}): SQLite would otherwise copy the log
 * into the database, with an fsync, inside whichever commit crossed the threshold, and every statement waiting on
 * that commit would stall for it (p99 append latency went from 3.3 ms to 0.3 ms without it). A {@link Checkpointer}
 * thread with its own connection runs passive checkpoints beside the writer instead.
 *
 * <p>A passive checkpoint cannot finish while the writer keeps appending, and the log starts over only after one that
 * did: under sustained load the log would grow without bound (640 MB in 40 s at 4,000 HTTP requests a second), a way
 * for a caller to fill the disk. So once the log is past {@link #WAL_LIMIT}, the writer itself runs a {@code RESTART}
 * checkpoint after its commit: that commit's callers wait for the copy (rare: 64 MB of events), and the next commit
 * starts the log over, cut back to the limit ({@code journal_size_limit}).
 */
final class SqliteBackend implements StoreBackend {
    /** The write-ahead log's size past which the writer restarts it. */
    static final long WAL_LIMIT = 64L << 20;
    private static final int RESTART_WAIT_MS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(SqliteBackend.class);

    private final Path file;
    private final Path wal;
    private final long walLimit;
    private final SyncMode sync;
    /** The writer tries no restart before this {@link System#nanoTime} (writer thread only). */
    private long nextRestart = System.nanoTime();
    private final ReentrantLock readLock = new ReentrantLock();
    private Connection reader;
    private boolean closed;
    private Checkpointer checkpointer;

    SqliteBackend(Path file, SyncMode sync) {
        this(file, sync, WAL_LIMIT);
    }

    SqliteBackend(Path file, SyncMode sync, long walLimit) {
        this.file = file;
        this.wal = file.resolveSibling(file.getFileName() + "-wal");
        this.walLimit = walLimit;
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
        execute(result, "PRAGMA journal_size_limit=" + walLimit);
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
        restartLogPastLimit(connection);
    }

    /**
     * Writer thread, after a commit: restarts a log past the limit (see the class comment). It waits at most
     * {@value #RESTART_WAIT_MS} ms for readers to leave the old log; when they did not, the commits of the next
     * {@value #RESTART_WAIT_MS} ms do not try again, so a long read costs the writer little.
     */
    private void restartLogPastLimit(Connection connection) {
        long now = System.nanoTime();
        if (now < nextRestart || walSize() <= walLimit) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout=" + RESTART_WAIT_MS);
            try (ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(RESTART)")) {
                boolean busy = result.next() && result.getInt(1) != 0;
                nextRestart = busy ? now + RESTART_WAIT_MS * 1_000_000L : now;
            } finally {
                statement.execute("PRAGMA busy_timeout=" + SqliteFiles.BUSY_TIMEOUT_MS);
            }
        } catch (SQLException e) {
            // the commit stands; a later one past the limit tries again
            nextRestart = now + RESTART_WAIT_MS * 1_000_000L;
            LOG.warn("audit WAL restart of {} failed: {}", file, e.getMessage());
        }
    }

    private long walSize() {
        try {
            return Files.size(wal);
        } catch (IOException e) {
            return 0; // no log yet
        }
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
