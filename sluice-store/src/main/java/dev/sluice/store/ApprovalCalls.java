package dev.sluice.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * How an approval store reaches its database: runs one piece of work on a connection it owns (a dedicated thread
 * for SQLite, a pool for PostgreSQL). Implementations are thread-safe and turn every failure, including a closed
 * store and a call that does not finish in time, into {@link dev.sluice.core.approval.ApprovalException}
 * ({@code UNAVAILABLE}), so callers fail closed.
 */
interface ApprovalCalls extends AutoCloseable {

    <T> T call(Work<T> work);

    @Override
    void close();

    /** Work on one connection, in auto-commit mode. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }
}
