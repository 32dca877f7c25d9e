package dev.sluice.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import dev.sluice.demo.DemoException;
import dev.sluice.demo.ThrowawayPostgres;

/**
 * A throwaway PostgreSQL 15 server from the machine's packages, on 127.0.0.1, in its own directory under
 * /tmp: the test face of {@link ThrowawayPostgres} (module {@code sluice-demo}, which {@code sluice demo} runs too),
 * with typed options and {@link FixtureException}s. Starting takes about a second. {@link #close()} stops it at
 * once and deletes the directory; a JVM shutdown hook does the same for servers a test forgot, so nothing is left
 * running.
 *
 * <p>The superuser is {@code postgres}. Remote (TCP) logins use {@link Options#authMethod()}; Unix-socket
 * logins in {@link #socketDir()} are trusted. Thread-safe.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String SUPERUSER = ThrowawayPostgres.SUPERUSER;

    private final ThrowawayPostgres server;

    /**
     * How to set up a server. {@code port} 0 picks a free port. {@code settings} are extra
     * {@code postgresql.conf} parameters, applied after the fixture's own (so they win).
     * {@link #toString()} hides the password.
     */
    public record Options(String superuserPassword, AuthMethod authMethod, Map<String, String> settings,
                          boolean ssl, int port) {
        public Options {
            Objects.requireNonNull(superuserPassword, "superuserPassword");
            Objects.requireNonNull(authMethod, "authMethod");
            settings = Map.copyOf(settings);
            if (superuserPassword.isEmpty() || superuserPassword.contains("\n")) {
                throw new IllegalArgumentException("superuser password must be one non-empty line");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range (expected: 0-65535, got " + port + ")");
            }
        }

        /** A random superuser password, SCRAM-SHA-256, no TLS, a free port. */
        public static Options defaults() {
            return new Options("pw-" + UUID.randomUUID(), AuthMethod.SCRAM_SHA_256, Map.of(), false, 0);
        }

        public Options withSuperuserPassword(String password) {
            return new Options(password, authMethod, settings, ssl, port);
        }

        public Options withAuthMethod(AuthMethod method) {
            return new Options(superuserPassword, method, settings, ssl, port);
        }

        public Options withSetting(String name, String value) {
            Map<String, String> result = new LinkedHashMap<>(settings);
            result.put(name, value);
            return new Options(superuserPassword, authMethod, result, ssl, port);
        }

        public Options withSsl(boolean on) {
            return new Options(superuserPassword, authMethod, settings, on, port);
        }

        public Options withPort(int fixedPort) {
            return new Options(superuserPassword, authMethod, settings, ssl, fixedPort);
        }

        @Override
        public String toString() {
            return "Options[authMethod=" + authMethod + ", settings=" + settings + ", ssl=" + ssl
                    + ", port=" + port + ", superuserPassword=****]";
        }
    }

    private PostgresServer(ThrowawayPostgres server) {
        this.server = server;
    }

    /** Starts a server with {@link Options#defaults()}. */
    public static PostgresServer start() {
        return start(Options.defaults());
    }

    /** Creates, configures and starts a server; fails with the tail of the server log if it does not start. */
    public static PostgresServer start(Options options) {
        ThrowawayPostgres.Options engine = new ThrowawayPostgres.Options(options.superuserPassword(),
                options.authMethod().hbaName(), options.settings(), options.ssl(), options.port());
        return new PostgresServer(fixture(() -> ThrowawayPostgres.start(engine)));
    }

    public int port() {
        return server.port();
    }

    public String host() {
        return server.host();
    }

    public Path dataDir() {
        return server.dataDir();
    }

    public Path socketDir() {
        return server.socketDir();
    }

    public String superuserPassword() {
        return server.superuserPassword();
    }

    /** The server's self-signed certificate, which is also its own CA; present when TLS is on. */
    public Optional<Path> caCertificate() {
        return server.caCertificate();
    }

    /** A pgjdbc URL for {@code database} with no credentials in it. */
    public String jdbcUrl(String database) {
        return server.jdbcUrl(database);
    }

    /** Opens a JDBC connection to {@code database} as the superuser. */
    public Connection connect(String database) throws SQLException {
        return server.connect(database);
    }

    public void createDatabase(String name) {
        fixture(() -> {
            server.createDatabase(name);
            return name;
        });
    }

    /** Creates a login role; the password never appears in an error message. */
    public void createUser(String name, String password, boolean superuser) {
        fixture(() -> {
            server.createUser(name, password, superuser);
            return name;
        });
    }

    /** Runs {@code sql} (one or more statements) in {@code database} as the superuser. */
    public void execute(String database, String sql) {
        fixture(() -> {
            server.execute(database, sql);
            return database;
        });
    }

    /** Stops the server immediately and deletes its directory. Idempotent. */
    @Override
    public void close() {
        server.close();
    }

    /** Runs {@code action}, reporting the engine's failures as this module's {@link FixtureException}. */
    private static <T> T fixture(Supplier<T> action) {
        try {
            return action.get();
        } catch (DemoException e) {
            throw new FixtureException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + host() + ":" + port() + ", " + socketDir() + "]";
    }
}
