package dev.sluice.testing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A throwaway PostgreSQL 15 server from the machine's packages, on 127.0.0.1, in its own directory under
 * /tmp. Starting takes about a second. {@link #close()} stops it at once and deletes the directory; a JVM
 * shutdown hook does the same for servers a test forgot, so nothing is left running.
 *
 * <p>The superuser is {@code postgres}. Remote (TCP) logins use {@link Options#authMethod()}; Unix-socket
 * logins in {@link #socketDir()} are trusted. Thread-safe.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String SUPERUSER = "postgres";
    private static final int START_ATTEMPTS = 3;

    private final PgCluster cluster;
    private final Options options;
    private final int port;
    private final Optional<Path> caCertificate;
    private final Thread shutdownHook;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

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

    private PostgresServer(PgCluster cluster, Options options, int port, Optional<Path> caCertificate) {
        this.cluster = cluster;
        this.options = options;
        this.port = port;
        this.caCertificate = caCertificate;
        this.shutdownHook = Thread.ofPlatform().unstarted(this::stop);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a server with {@link Options#defaults()}. */
    public static PostgresServer start() {
        return start(Options.defaults());
    }

    /** Creates, configures and starts a server; fails with the tail of the server log if it does not start. */
    public static PostgresServer start(Options options) {
        PgCluster cluster = PgCluster.create();
        try {
            cluster.initdb(options.authMethod().hbaName(), options.superuserPassword());
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("listen_addresses", "127.0.0.1");
            settings.put("unix_socket_directories", cluster.base().toString());
            settings.put("fsync", "off");
            settings.put("synchronous_commit", "off");
            settings.put("full_page_writes", "off");
            settings.put("max_connections", "200");
            if (options.authMethod() == AuthMethod.MD5) {
                settings.put("password_encryption", "md5");
            }
            Optional<Path> certificate = Optional.empty();
            if (options.ssl()) {
                certificate = Optional.of(cluster.generateCertificate());
                settings.put("ssl", "on");
                settings.put("ssl_cert_file", certificate.get().toString());
                settings.put("ssl_key_file", cluster.base().resolve("server.key").toString());
            }
            settings.putAll(options.settings());
            cluster.configure(settings);
            PostgresServer result = new PostgresServer(cluster, options, bind(cluster, options), certificate);
            if (options.authMethod() == AuthMethod.MD5) {
                // initdb stored the password as SCRAM; re-store it as MD5 so md5 logins are really md5
                result.createOrAlter("ALTER ROLE " + quoteIdentifier(SUPERUSER), options.superuserPassword(), "");
            }
            return result;
        } catch (RuntimeException e) {
            cluster.stopImmediately();
            cluster.delete();
            throw e;
        }
    }

    private static int bind(PgCluster cluster, Options options) {
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = options.port() == 0 ? FreePort.find() : options.port();
            if (cluster.start(port)) {
                return port;
            }
            if (options.port() != 0) {
                break;
            }
        }
        throw new FixtureException("PostgreSQL could not bind a port (requested " + options.port()
                + ")\npg.log tail:\n" + cluster.logTail());
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    public Path dataDir() {
        return cluster.dataDir();
    }

    public Path socketDir() {
        return cluster.base();
    }

    public String superuserPassword() {
        return options.superuserPassword();
    }

    /** The server's self-signed certificate, which is also its own CA; present when TLS is on. */
    public Optional<Path> caCertificate() {
        return caCertificate;
    }

    /** A pgjdbc URL for {@code database} with no credentials in it. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    /** Opens a JDBC connection to {@code database} as the superuser. */
    public Connection connect(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", SUPERUSER);
        properties.setProperty("password", options.superuserPassword());
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    public void createDatabase(String name) {
        execute("postgres", "CREATE DATABASE " + quoteIdentifier(name));
    }

    /** Creates a login role; the password never appears in an error message. */
    public void createUser(String name, String password, boolean superuser) {
        createOrAlter("CREATE ROLE " + quoteIdentifier(name) + " LOGIN", password, superuser ? " SUPERUSER" : "");
    }

    /** Runs {@code sql} (one or more statements) in {@code database} as the superuser. */
    public void execute(String database, String sql) {
        try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new FixtureException("SQL failed in database " + database + " [" + e.getSQLState() + "]: "
                    + e.getMessage() + "\nSQL: " + sql, e);
        }
    }

    private void createOrAlter(String prefix, String password, String suffix) {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute(prefix + suffix + " PASSWORD '" + password.replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new FixtureException(prefix + " failed [" + e.getSQLState() + "]", e);
        }
    }

    static String quoteIdentifier(String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid SQL identifier (expected: non-empty, no NUL)");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Stops the server immediately and deletes its directory. Idempotent. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and the hook runs (or ran) stop() itself
        }
    }

    private void stop() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cluster.stopImmediately();
            cluster.delete();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + host() + ":" + port + ", " + cluster.base() + "]";
    }
}
