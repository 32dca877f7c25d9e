package dev.sluice.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sluice.core.approval.ApprovalException;
import dev.sluice.core.approval.ApprovalException.Problem;
import dev.sluice.core.approval.ApprovalStore;

/**
 * The approval store in a SQLite file (normally the audit file, whose Flyway migrations create the tables). Every
 * call runs on one platform thread with one connection: JDBC into native SQLite would pin a virtual thread, and a
 * write may wait for the file lock held by the audit writer or by another Sluice instance on the same file
 * (which is how several instances on one host share requests).
 */
public final class ApprovalStoreSqlite {
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    private ApprovalStoreSqlite() {
    }

    /**
     * Opens the store at {@code file}, creating and migrating it when needed. Thread-safe; calls are serialised.
     *
     * @throws ApprovalException UNAVAILABLE when the file cannot be opened or migrated
     */
    public static ApprovalStore open(Path file) {
        return new ApprovalTables(calls(file));
    }

    /** Calls on the file's own platform thread, the file created and migrated when needed (other tables use them). */
    static ApprovalCalls calls(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        try {
            PrivateFiles.database(absolute);
            SqliteFiles.migrate(absolute);
        } catch (Exception e) {
            throw new ApprovalException(Problem.UNAVAILABLE, "cannot open the approval store " + absolute + ": "
                    + e.getMessage(), e);
        }
        return new FileCalls(absolute);
    }

    /** One connection, used only by one platform thread; a failed call closes it and the next one reopens. */
    private static final class FileCalls implements ApprovalCalls {
        private final Path file;
        private final ExecutorService thread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("sluice-approval-store").daemon().factory());
        private Connection connection;

        FileCalls(Path file) {
            this.file = file;
        }

        @Override
        public <T> T call(Work<T> work) {
            Future<T> result;
            try {
                result = thread.submit(() -> {
                    try {
                        if (connection == null) {
                            connection = SqliteFiles.open(file, SyncMode.NORMAL);
                        }
                        return work.run(connection);
                    } catch (SQLException e) {
                        closeConnection(); // the next call reopens
                        throw e;
                    }
                });
            } catch (RejectedExecutionException e) {
                throw new ApprovalException(Problem.UNAVAILABLE, "the approval store is closed");
            }
            try {
                return result.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new ApprovalException(Problem.UNAVAILABLE, "approval store " + file + ": "
                        + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new ApprovalException(Problem.UNAVAILABLE, "approval store " + file + " did not answer within "
                        + CALL_TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApprovalException(Problem.UNAVAILABLE, "interrupted while using the approval store", e);
            }
        }

        @Override
        public void close() {
            try {
                thread.submit(this::closeConnection);
            } catch (RejectedExecutionException e) {
                return; // closed already
            }
            thread.shutdown();
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void closeConnection() {
            SqliteFiles.closeQuietly(connection);
            connection = null;
        }
    }
}
