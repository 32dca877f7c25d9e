package dev.sluice.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

import com.zaxxer.hikari.HikariDataSource;

import dev.sluice.core.approval.ApprovalException;
import dev.sluice.core.approval.ApprovalException.Problem;
import dev.sluice.core.approval.ApprovalStore;

/**
 * The approval store in the shared PostgreSQL audit database: the same tables and statements as
 * {@link ApprovalStoreSqlite} (migration V20 is portable), through a small pool of its own. Every replica pointing
 * at the database shares requests and grants: a decision taken through one is read by the others' held statements
 * on their next poll. Calls run on the caller's thread (pgjdbc does not pin virtual threads); a statement that gets
 * no answer within {@link #STATEMENT_TIMEOUT_SECONDS} fails, and so does the call (closed).
 */
public final class ApprovalStorePostgres {
    static final int STATEMENT_TIMEOUT_SECONDS = 15;
    private static final int POOL_SIZE = 4;

    private ApprovalStorePostgres() {
    }

    /**
     * Connects and applies pending migrations. Thread-safe.
     *
     * @throws ApprovalException UNAVAILABLE when the database cannot be reached or migrated
     */
    public static ApprovalStore open(PostgresStoreConfig config) {
        return new ApprovalTables(calls(config, "sluice-approvals"));
    }

    /** Calls through a small pool of its own named {@code name}, the schema migrated (other tables use them). */
    static ApprovalCalls calls(PostgresStoreConfig config, String name) {
        Objects.requireNonNull(config, "config");
        try {
            return new PoolCalls(config.url(), PostgresPools.open(config, name, POOL_SIZE,
                    STATEMENT_TIMEOUT_SECONDS));
        } catch (RuntimeException e) {
            throw new ApprovalException(Problem.UNAVAILABLE, "cannot open the approval store " + config.url() + ": "
                    + e.getMessage(), e);
        }
    }

    private record PoolCalls(String url, HikariDataSource pool) implements ApprovalCalls {
        @Override
        public <T> T call(Work<T> work) {
            try (Connection connection = pool.getConnection()) {
                return work.run(connection);
            } catch (SQLException e) {
                throw new ApprovalException(Problem.UNAVAILABLE, "approval store " + url + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
