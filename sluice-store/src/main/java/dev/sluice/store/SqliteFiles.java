package dev.sluice.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;

/**
 * Opens connections to one SQLite audit file with the settings the trail depends on, and migrates its schema.
 *
 * <p>WAL journal: readers (the {@code sluice audit} CLI in another process) never block the writer, nor it them.
 * {@code synchronous} follows {@link SyncMode}: NORMAL (the default) writes a commit to the log before it returns,
 * so a committed event survives a killed Sluice (kill -9), and fsyncs the log only at WAL checkpoints, so an OS
 * crash or power loss may lose the last commits; FULL fsyncs the log at every commit and survives power loss too. The busy timeout makes a second writer (another process on the same file) wait for the write lock
 * instead of failing at once.
 */
final class SqliteFiles {
    static final String MIGRATIONS = "classpath:db/migration";
    static final int BUSY_TIMEOUT_MS = 10_000;

    private SqliteFiles() {
    }

    static String url(Path file) {
        return "jdbc:sqlite:" + file.toAbsolutePath();
    }

    static void migrate(Path file) {
        Flyway.configure()
                .dataSource(url(file), "", "")
                .locations(MIGRATIONS)
                .load()
                .migrate();
    }

    /** Closes {@code connection} if there is one, ignoring failures: a reader or a failed connection loses nothing. */
    static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // nothing is lost by closing it
        }
    }

    static Connection open(Path file, SyncMode sync) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(sync == SyncMode.FULL ? SQLiteConfig.SynchronousMode.FULL
                : SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        return config.createConnection(url(file));
    }
}
