package dev.sluice.server;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.testing.OidcProvider;
import dev.sluice.testing.PostgresServer;

/**
 * The real parts every end-to-end class of one test JVM shares instead of starting its own: one PostgreSQL and one
 * OIDC provider, started on first use and stopped when the JVM exits (by their own shutdown hooks). Surefire runs a
 * JVM's classes one after another, so a harness has the cluster to itself: it takes it clean and {@link #release}s
 * it clean (every database but {@code postgres} and the templates dropped, every role but the superuser dropped), and
 * the next class sees a server as new as a fresh one. A release that cannot clean up stops the server; the next
 * class then starts another.
 */
final class SharedParts {
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static PostgresServer postgres;
    private static OidcProvider oidc;

    private SharedParts() {
    }

    /** This JVM's PostgreSQL (superuser {@code postgres}, SCRAM, no TLS); clean. */
    static PostgresServer postgres() {
        LOCK.lock();
        try {
            if (postgres == null) {
                postgres = PostgresServer.start();
            }
            return postgres;
        } finally {
            LOCK.unlock();
        }
    }

    /** This JVM's OIDC provider (mock-oauth2-server, any issuer id): tokens and keys hold no per-class state. */
    static OidcProvider oidc() {
        LOCK.lock();
        try {
            if (oidc == null) {
                oidc = OidcProvider.start();
            }
            return oidc;
        } finally {
            LOCK.unlock();
        }
    }

    /** Gives {@code server} back after a class used it: drops what the class made, or stops it if that fails. */
    static void release(PostgresServer server) {
        LOCK.lock();
        try {
            if (server != postgres) {
                server.close();
                return;
            }
            try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
                for (String database : names(s, "select datname from pg_database where datname not in "
                        + "('postgres', 'template0', 'template1')")) {
                    s.execute("DROP DATABASE " + quote(database) + " WITH (FORCE)");
                }
                for (String role : names(s, "select rolname from pg_roles where rolname <> current_user "
                        + "and rolname !~ '^pg_'")) {
                    s.execute("DROP OWNED BY " + quote(role) + " CASCADE");
                    s.execute("DROP ROLE " + quote(role));
                }
                s.execute("ALTER DATABASE postgres RESET ALL");
                s.execute("ALTER ROLE " + quote(PostgresServer.SUPERUSER) + " RESET ALL");
            } catch (SQLException e) {
                postgres = null;
                server.close();
            }
        } finally {
            LOCK.unlock();
        }
    }

    private static List<String> names(Statement s, String query) throws SQLException {
        List<String> result = new ArrayList<>();
        try (ResultSet r = s.executeQuery(query)) {
            while (r.next()) {
                result.add(r.getString(1));
            }
        }
        return result;
    }

    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
