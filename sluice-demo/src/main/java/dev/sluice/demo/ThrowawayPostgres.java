package dev.sluice.demo;

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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A throwaway PostgreSQL 15 server from the machine's packages, on 127.0.0.1, in its own directory under /tmp: the
 * database {@code sluice demo} puts behind the gateway, and the engine of the test fixture
 * {@code dev.sluice.testing.PostgresServer}. Starting takes about a second. {@link #close()} stops it at once and
 * deletes the directory; a JVM shutdown hook does the same for a server nobody closed, so nothing is left running.
 *
 * <p>The superuser is {@code postgres}. Remote (TCP) logins use {@link Options#hostAuth()}; Unix-socket logins in
 * {@link #socketDir()} are trusted. Thread-safe.
 */
public final class ThrowawayPostgres implements AutoCloseable {
    public static final String SUPERUSER = "postgres";
    /** The {@code pg_hba.conf} methods a server can use for TCP logins. */
    public static final Set<String> HOST_AUTH_METHODS = Set.of("scram-sha-256", "md5", "trust", "password");
    private static final int START_ATTEMPTS = 3;

    private final PgCluster cluster;
    private final Options options;
    private final int port;
    private final Optional<Path> caCertificate;
    private final Thread shutdownHook;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    /**
     * How to set up a server. {@code hostAuth} is the {@code pg_hba.conf} method for TCP logins; with {@code md5}
     * passwords are also stored as MD5 hashes, so logins really use the md5 exchange. {@code port} 0 picks a free
     * port. {@code settings} are extra {@code postgresql.conf} parameters, applied after the server's own (so they
     * win). {@link #toString()} hides the password.
     */
    public record Options(String superuserPassword, String hostAuth, Map<String, String> settings, boolean ssl,
                          int port) {
        public Options {
            Objects.requireNonNull(superuserPassword, "superuserPassword");
            Objects.requireNonNull(hostAuth, "hostAuth");
            settings = Map.copyOf(settings);
            if (superuserPassword.isEmpty() || superuserPassword.contains("\n")) {
                throw new IllegalArgumentException("superuser password must be one non-empty line");
            }
            if (!HOST_AUTH_METHODS.contains(hostAuth)) {
                throw new IllegalArgumentException("unknown host auth method " + hostAuth + " (expected: one of "
                        + HOST_AUTH_METHODS + ")");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range (expected: 0-65535, got " + port + ")");
            }
        }

        /** A random superuser password, SCRAM-SHA-256, no TLS, a free port. */
        public static Options defaults() {
            return new Options("pw-" + UUID.randomUUID(), "scram-sha-256", Map.of(), false, 0);
        }

        @Override
        public String toString() {
            return "Options[hostAuth=" + hostAuth + ", settings=" + settings + ", ssl=" + ssl + ", port=" + port
                    + ", superuserPassword=****]";
        }
    }

    private ThrowawayPostgres(PgCluster cluster, Options options, int port, Optional<Path> caCertificate) {
        this.cluster = cluster;
        this.options = options;
        this.port = port;
        this.caCertificate = caCertificate;
        this.shutdownHook = Thread.ofPlatform().unstarted(this::stop);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a server with {@link Options#defaults()}. */
    public static ThrowawayPostgres start() {
        return start(Options.defaults());
    }

    /** Creates, configures and starts a server; fails with the tail of the server log if it does not start. */
    public static ThrowawayPostgres start(Options options) {
        PgCluster cluster = PgCluster.create();
        try {
            cluster.initdb(options.hostAuth(), options.superuserPassword());
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("listen_addresses", "127.0.0.1");
            settings.put("unix_socket_directories", cluster.base().toString());
            settings.put("fsync", "off");
            settings.put("synchronous_commit", "off");
            settings.put("full_page_writes", "off");
            settings.put("max_connections", "200");
            boolean md5 = options.hostAuth().equals("md5");
            if (md5) {
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
            ThrowawayPostgres result = new ThrowawayPostgres(cluster, options, bind(cluster, options), certificate);
            if (md5) {
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
            int port = options.port() == 0 ? LoopbackPorts.free() : options.port();
            if (cluster.start(port)) {
                return port;
            }
            if (options.port() != 0) {
                break;
            }
        }
        throw new DemoException("PostgreSQL could not bind a port (requested " + options.port()
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
            throw new DemoException("SQL failed in database " + database + " [" + e.getSQLState() + "]: "
                    + e.getMessage() + "\nSQL: " + sql, e);
        }
    }

    private void createOrAlter(String prefix, String password, String suffix) {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute(prefix + suffix + " PASSWORD '" + password.replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new DemoException(prefix + " failed [" + e.getSQLState() + "]", e);
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
        return "ThrowawayPostgres[" + host() + ":" + port + ", " + cluster.base() + "]";
    }
}
