package dev.sluice.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import com.zaxxer.hikari.HikariDataSource;

/**
 * A PostgreSQL database shared by any number of Sluice replicas, through a small HikariCP pool.
 *
 * <p>The chain lock is the transaction-level advisory lock {@link #CHAIN_LOCK}: every replica's writer takes it
 * with {@code pg_advisory_xact_lock} right after {@code BEGIN}, then reads the head and inserts its batch; the
 * commit releases it. PostgreSQL makes a transaction's rows visible before it releases its locks, so the next
 * holder's head query (a new statement, a new snapshot under READ COMMITTED) always sees the previous batch: the
 * chain never forks and seq stays gap-free. The {@code seq} primary key is the second line of defence.
 */
final class PostgresBackend implements StoreBackend {
    /** The advisory lock key of the audit chain: ASCII "sluiceau". */
    static final long CHAIN_LOCK = 0x736c75696365_6175L;
    private static final int POOL_SIZE = 4;

    private final String url;
    private final HikariDataSource pool;

    private PostgresBackend(String url, HikariDataSource pool) {
        this.url = url;
        this.pool = pool;
    }

    /** Connects and applies pending migrations (Flyway serialises concurrent replicas with its own lock). */
    static PostgresBackend open(PostgresStoreConfig config) {
        return new PostgresBackend(config.url(), PostgresPools.open(config, "sluice-audit", POOL_SIZE, 0));
    }

    @Override
    public String name() {
        return url;
    }

    @Override
    public String likeAnyCase() {
        return "ILIKE";
    }

    @Override
    public Connection openWriter() throws SQLException {
        Connection result = pool.getConnection();
        result.setAutoCommit(true);
        return result;
    }

    @Override
    public void beginWrite(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            lock.setLong(1, CHAIN_LOCK);
            lock.execute();
        }
    }

    @Override
    public void commit(Connection connection) throws SQLException {
        connection.commit();
        connection.setAutoCommit(true);
    }

    @Override
    public void rollback(Connection connection) throws SQLException {
        connection.rollback();
        connection.setAutoCommit(true);
    }

    @Override
    public <T> T read(ReadAction<T> action) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                return action.run(connection);
            } finally {
                connection.rollback();
                connection.setReadOnly(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                connection.setAutoCommit(true);
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
