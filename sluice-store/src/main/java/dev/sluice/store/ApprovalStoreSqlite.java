package dev.sluice.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sluice.core.approval.AccessGrant;
import dev.sluice.core.approval.ApprovalException;
import dev.sluice.core.approval.ApprovalException.Problem;
import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;
import dev.sluice.core.approval.ApprovalStore;

/**
 * The approval store in a SQLite file (normally the audit file, whose Flyway migrations create the tables). Every
 * call runs on one platform thread with one connection: JDBC into native SQLite would pin a virtual thread, and a
 * write may wait for the file lock held by the audit writer or by another Sluice instance on the same file
 * (which is how several instances share requests). Thread-safe; calls are serialised.
 */
public final class ApprovalStoreSqlite implements ApprovalStore {
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    static final int MAX_LIST = 1000;

    private final Path file;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("sluice-approval-store").daemon().factory());
    private Connection connection;

    private ApprovalStoreSqlite(Path file) {
        this.file = file;
    }

    /**
     * Opens the store at {@code file}, creating and migrating it when needed.
     *
     * @throws ApprovalException UNAVAILABLE when the file cannot be opened or migrated
     */
    public static ApprovalStoreSqlite open(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
            SqliteFiles.migrate(absolute);
        } catch (Exception e) {
            throw new ApprovalException(Problem.UNAVAILABLE, "cannot open the approval store " + absolute + ": "
                    + e.getMessage(), e);
        }
        return new ApprovalStoreSqlite(absolute);
    }

    @Override
    public void create(ApprovalRequest request) {
        call(c -> {
            ApprovalStoreSql.insert(c, request);
            return null;
        });
    }

    @Override
    public Optional<ApprovalRequest> find(String id) {
        return call(c -> ApprovalStoreSql.find(c, id));
    }

    @Override
    public List<ApprovalRequest> list(Optional<ApprovalState> state, int limit) {
        int bounded = Math.clamp(limit, 1, MAX_LIST);
        return call(c -> ApprovalStoreSql.list(c, state, bounded));
    }

    @Override
    public boolean update(ApprovalRequest next) {
        return call(c -> ApprovalStoreSql.update(c, next));
    }

    @Override
    public void addGrant(AccessGrant grant) {
        call(c -> {
            ApprovalStoreSql.insertGrant(c, grant);
            return null;
        });
    }

    @Override
    public List<AccessGrant> activeGrants(String subject, String connectionName, String shape, Instant now) {
        return call(c -> ApprovalStoreSql.activeGrants(c, subject, connectionName, shape, now));
    }

    @Override
    public void close() {
        thread.submit(this::closeConnection);
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private interface Action<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T call(Action<T> action) {
        Future<T> result;
        try {
            result = thread.submit(() -> {
                try {
                    if (connection == null) {
                        connection = SqliteFiles.open(file, SyncMode.NORMAL);
                    }
                    return action.run(connection);
                } catch (SQLException e) {
                    closeConnection(); // the next call reopens
                    throw e;
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
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

    private void closeConnection() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // nothing is lost by closing
        }
        connection = null;
    }
}
