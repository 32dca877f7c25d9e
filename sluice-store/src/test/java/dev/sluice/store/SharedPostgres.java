package dev.sluice.store;

import dev.sluice.core.Secret;
import dev.sluice.testing.PostgresServer;

/**
 * One throwaway PostgreSQL for the tests that run the same cases on both stores: started on first use, stopped by
 * its shutdown hook when the test JVM exits. Each caller gets a fresh database owned by the store's role.
 */
final class SharedPostgres {
    private static PostgresServer server;
    private static int databases;

    private SharedPostgres() {
    }

    /** The server, for raw access (a database's name is the last part of its store URL). */
    static PostgresServer server() {
        if (server == null) {
            server = PostgresServer.start();
            server.createUser("sluice", "store-pw", false);
        }
        return server;
    }

    static PostgresStoreConfig freshDatabase() {
        server();
        String name = "store" + (++databases);
        server.createDatabase(name);
        server.execute("postgres", "ALTER DATABASE " + name + " OWNER TO sluice");
        server.execute(name, "ALTER SCHEMA public OWNER TO sluice");
        return new PostgresStoreConfig(server.jdbcUrl(name), "sluice", Secret.of("store-pw"));
    }
}
