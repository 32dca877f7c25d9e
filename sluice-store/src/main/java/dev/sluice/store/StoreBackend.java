package dev.sluice.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What differs between the stores that hold the chained audit trail: how connections are made, and how a write
 * transaction takes the store's one chain lock. Everything else (mapping, hashing, group commit, checkpoints,
 * verification) is shared and runs on whatever {@link Connection} this gives. Implementations are thread-safe.
 */
interface StoreBackend extends AutoCloseable {

    /** Names the store in messages: a file path or a JDBC URL, never a password. */
    String name();

    /**
     * The operator that matches a LIKE pattern whatever the letter case: SQLite's LIKE already ignores the case of
     * ASCII letters, PostgreSQL needs ILIKE.
     */
    String likeAnyCase();

    /** A new connection for the single writer thread, which keeps it until it fails. */
    Connection openWriter() throws SQLException;

    /**
     * Starts a write transaction on {@code connection} and takes the chain lock, which the commit or rollback
     * releases: while it is held no other writer (thread, process or replica) can read the head or append.
     */
    void beginWrite(Connection connection) throws SQLException;

    void commit(Connection connection) throws SQLException;

    void rollback(Connection connection) throws SQLException;

    /** Runs {@code action} on a reader connection, inside one read-only snapshot of the store. */
    <T> T read(ReadAction<T> action) throws SQLException;

    @Override
    void close();

    /** Work done on a reader connection. */
    @FunctionalInterface
    interface ReadAction<T> {
        T run(Connection connection) throws SQLException;
    }
}
