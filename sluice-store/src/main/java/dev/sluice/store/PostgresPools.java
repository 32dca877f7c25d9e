package dev.sluice.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

/**
 * Connection pools to the shared PostgreSQL store, one per user of it (audit writer, reader, approvals), each
 * migrated on open: Flyway serialises replicas that start together with its own lock, so the schema is created
 * once. Stateless.
 */
final class PostgresPools {
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private PostgresPools() {
    }

    /**
     * A pool of at most {@code size} connections named {@code name}, with the schema migrated.
     *
     * @param socketTimeoutSeconds how long a statement may wait for the server before it fails; 0 waits forever
     *                             (the audit writer, which waits for the chain lock, needs that)
     * @throws RuntimeException from HikariCP or Flyway when the database cannot be reached or migrated
     */
    static HikariDataSource open(PostgresStoreConfig config, String name, int size, int socketTimeoutSeconds) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password().reveal());
        hikari.setMaximumPoolSize(size);
        hikari.setMinimumIdle(1);
        hikari.setPoolName(name);
        hikari.setConnectionTimeout(CONNECT_TIMEOUT_MS);
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        hikari.addDataSourceProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
        HikariDataSource result = new HikariDataSource(hikari);
        try {
            Flyway.configure().dataSource(result).locations(SqliteFiles.MIGRATIONS).load().migrate();
            return result;
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
    }
}
