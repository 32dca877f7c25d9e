package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;
import dev.sluice.testing.OidcProvider;
import dev.sluice.testing.PostgresServer;

/**
 * A whole Sluice in front of real parts, for end-to-end tests: a throwaway PostgreSQL 15 with SCRAM (database
 * {@code orders}, owned by user {@code app} whose password only Sluice knows), a real OIDC provider
 * (mock-oauth2-server, issuer id {@code default}, audience {@code sluice}), and a {@link Gateway} started from a
 * config file written here. Share one per test class. The PostgreSQL and the (non-interactive) OIDC provider are
 * the JVM's {@link SharedParts}: this harness creates {@code app} and {@code orders} in it and drops everything it
 * made when closed.
 */
final class GatewayHarness implements AutoCloseable {
    static final String ISSUER_ID = "default";
    static final String AUDIENCE = "sluice";

    private final PostgresServer database;
    private final OidcProvider oidc;
    private final Path dir;
    private final Path configFile;
    private final String databasePassword;
    private String identityYaml = "";
    /** An interactive provider of this harness's own (the shared one is stopped only with the JVM). */
    private boolean ownOidc;
    private Gateway gateway;
    private Connection checks;

    private GatewayHarness(PostgresServer database, OidcProvider oidc, Path dir, String databasePassword) {
        this.database = database;
        this.oidc = oidc;
        this.dir = dir;
        this.configFile = dir.resolve("sluice.yaml");
        this.databasePassword = databasePassword;
    }

    /** Starts everything; {@code extraYaml} is appended to the config (top-level keys such as {@code policies:}). */
    static GatewayHarness start(String extraYaml) {
        return start(oidc -> "", oidc -> extraYaml);
    }

    /**
     * As {@link #start(String)}, with {@code identityYaml} (given the OIDC provider, for its issuer URLs) appended to
     * the {@code identity:} section: more {@code oidc} items (indented by 4) or identity keys (indented by 2); and
     * {@code extraYaml} given the provider too.
     */
    static GatewayHarness start(java.util.function.Function<OidcProvider, String> identityYaml,
                                java.util.function.Function<OidcProvider, String> extraYaml) {
        return start(identityYaml, extraYaml, false);
    }

    /** As above; with {@code interactiveLogin} the OIDC provider shows its login page (browser sign-in tests). */
    static GatewayHarness start(java.util.function.Function<OidcProvider, String> identityYaml,
                                java.util.function.Function<OidcProvider, String> extraYaml,
                                boolean interactiveLogin) {
        PostgresServer database = SharedParts.postgres();
        OidcProvider oidc = interactiveLogin ? OidcProvider.startInteractive() : SharedParts.oidc();
        try {
            String password = "pw-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            database.createUser("app", password, false);
            database.createDatabase("orders");
            database.execute("postgres", "ALTER DATABASE orders OWNER TO app");
            database.execute("orders", "ALTER SCHEMA public OWNER TO app");
            GatewayHarness result = new GatewayHarness(database, oidc, Files.createTempDirectory("sluice-e2e-"),
                    password);
            result.identityYaml = identityYaml.apply(oidc);
            result.ownOidc = interactiveLogin;
            Files.writeString(result.dir.resolve("db-password"), password);
            result.writeConfig(extraYaml.apply(oidc));
            result.gateway = Gateway.start(result.configFile, Clock.systemUTC());
            return result;
        } catch (IOException | RuntimeException e) {
            if (interactiveLogin) {
                oidc.close();
            }
            SharedParts.release(database);
            throw new IllegalStateException("cannot start the gateway harness", e);
        }
    }

    /** The config for this harness, with {@code extraYaml} appended; listeners on free ports, plaintext refused. */
    String config(String extraYaml) {
        return """
                listen:
                  postgres: 127.0.0.1:0
                  http: 127.0.0.1:0
                data-dir: ./data
                identity:
                  oidc:
                    - issuer: %s
                      audience: sluice
                      groups-claim: groups
                %s
                connections:
                  - name: orders
                    type: postgres
                    address: 127.0.0.1:%d
                    database: orders
                    user: app
                    password: ${file:%s}
                    tls:
                      mode: disable
                    allow:
                      groups: [agents, sre, dpo]
                """.formatted(oidc.issuer(ISSUER_ID), identityYaml.stripTrailing(), database.port(),
                        dir.resolve("db-password")) + extraYaml;
    }

    /** Rewrites the config file (a running gateway picks the change up within a second). */
    void writeConfig(String extraYaml) throws IOException {
        Path temp = dir.resolve("sluice.yaml.tmp");
        Files.writeString(temp, config(extraYaml));
        Files.move(temp, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Writes this harness's config (with {@code extraYaml}) into a new directory, so that its relative data dir is
     * that directory's own: the config of another Sluice replica in front of the same database and OIDC provider.
     */
    Path replicaConfig(String extraYaml) throws IOException {
        Path result = Files.createTempDirectory(dir, "replica-").resolve("sluice.yaml");
        Files.writeString(result, config(extraYaml));
        return result;
    }

    Gateway gateway() {
        return gateway;
    }

    PostgresServer database() {
        return database;
    }

    OidcProvider oidc() {
        return oidc;
    }

    Path configFile() {
        return configFile;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    /** The upstream password: tests search for it where it must never appear. */
    String databasePassword() {
        return databasePassword;
    }

    int port() {
        return gateway.postgresPort();
    }

    String token(String subject, String... groups) {
        return oidc.userToken(ISSUER_ID, subject, AUDIENCE, List.of(groups), Duration.ofMinutes(30));
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/orders?sslmode=require";
    }

    /** A pgjdbc connection through Sluice as {@code subject}, with {@code extra} driver properties. */
    Connection connect(String subject, List<String> groups, Map<String, String> extra) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", subject);
        properties.setProperty("password", token(subject, groups.toArray(String[]::new)));
        extra.forEach(properties::setProperty);
        return DriverManager.getConnection(jdbcUrl(), properties);
    }

    Connection connect(String subject, String... groups) throws SQLException {
        return connect(subject, List.of(groups), Map.of());
    }

    /** A direct superuser connection to the upstream database, to check what really happened. */
    Connection direct() throws SQLException {
        return database.connect("orders");
    }

    /**
     * A direct superuser connection kept open for the checks a test makes after every statement (opening one per
     * check cost a SCRAM exchange each time); opened again when a statement under test ended it.
     */
    Connection checks() throws SQLException {
        if (checks == null || !checks.isValid(5)) {
            if (checks != null) {
                checks.close();
            }
            checks = direct();
        }
        return checks;
    }

    /** The libpq connection string for psql and pgbench through Sluice. */
    String conninfo(String user) {
        return "host=127.0.0.1 port=" + port() + " dbname=orders user=" + user + " sslmode=require";
    }

    /** Runs psql through Sluice with {@code token} as the password; {@code args} follow the conninfo. */
    Cli.Result psql(String token, String... args) {
        String[] command = new String[args.length + 4];
        command[0] = "psql";
        command[1] = "-X";
        command[2] = "-d";
        command[3] = conninfo("agent");
        System.arraycopy(args, 0, command, 4, args.length);
        return Cli.run(Map.of("PGPASSWORD", token, "PGCONNECT_TIMEOUT", "10"), Duration.ofSeconds(60), command);
    }

    /** The trail as of now: everything Sluice wrote ahead or queued before this call is included. */
    List<AuditRecord> audit(AuditQuery query) {
        gateway.audit().flush();
        return gateway.audit().query(query);
    }

    @Override
    public void close() {
        try {
            if (checks != null) {
                checks.close();
            }
        } catch (SQLException e) {
            // the server goes next
        }
        if (gateway != null) {
            gateway.close();
        }
        if (ownOidc) {
            oidc.close();
        }
        SharedParts.release(database);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp dir
        }
    }
}
