package dev.sluice.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the SQLite write-ahead log into the database file every second, with a passive checkpoint on a connection of
 * its own: it never waits for, and never holds up, the audit writer's commits. Runs on one daemon platform thread
 * (the native call would pin a virtual one).
 */
final class Checkpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private final Path file;
    private final SyncMode sync;
    private final Thread thread;
    private volatile boolean running = true;

    private Checkpointer(Path file, SyncMode sync) {
        this.file = file;
        this.sync = sync;
        this.thread = Thread.ofPlatform().name("sluice-audit-checkpointer").daemon().unstarted(this::run);
    }

    static Checkpointer start(Path file, SyncMode sync) {
        Checkpointer result = new Checkpointer(file, sync);
        result.thread.start();
        return result;
    }

    private void run() {
        Connection connection = null;
        while (running) {
            try {
                Thread.sleep(INTERVAL);
                if (connection == null) {
                    connection = SqliteFiles.open(file, sync);
                }
                try (Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
                }
            } catch (InterruptedException e) {
                break;
            } catch (SQLException e) {
                LOG.warn("audit WAL checkpoint of {} failed: {}", file, e.getMessage());
                SqliteFiles.closeQuietly(connection);
                connection = null;
            }
        }
        SqliteFiles.closeQuietly(connection);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
