package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresServerTest {
    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start(PostgresServer.Options.defaults().withSuperuserPassword("s3cret'pw"));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static Connection login(PostgresServer target, String database, String user, String password,
                                    String... extra) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        for (int i = 0; i + 1 < extra.length; i += 2) {
            properties.setProperty(extra[i], extra[i + 1]);
        }
        return DriverManager.getConnection(target.jdbcUrl(database), properties);
    }

    private static String queryOne(Connection connection, String sql) throws SQLException {
        try (connection; ResultSet rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    @Test
    void acceptsTheSuperuserPasswordOverScram() throws Exception {
        assertThat(queryOne(login(server, "postgres", "postgres", "s3cret'pw"), "show server_version"))
                .startsWith("15.");
        assertThat(queryOne(server.connect("postgres"), "select rolpassword from pg_authid where rolname='postgres'"))
                .startsWith("SCRAM-SHA-256$");
        assertThat(server.host()).isEqualTo("127.0.0.1");
        assertThat(server.dataDir()).isDirectory();
        assertThat(server.socketDir().resolve(".s.PGSQL." + server.port())).exists();
    }

    @Test
    void refusesAWrongPassword() {
        assertThatThrownBy(() -> login(server, "postgres", "postgres", "wrong"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void createsDatabasesUsersAndRunsSql() throws Exception {
        server.createDatabase("shop db");
        server.createUser("agent", "agent-pw", false);
        server.execute("shop db", "create table item(id int); insert into item values (1), (2);"
                + " grant select on item to agent");

        assertThat(queryOne(login(server, "shop db", "agent", "agent-pw"), "select count(*) from item"))
                .isEqualTo("2");
        assertThat(queryOne(server.connect("postgres"), "select rolsuper from pg_roles where rolname='agent'"))
                .isEqualTo("f");
    }

    @Test
    void failedSqlNamesTheDatabaseAndTheError() {
        assertThatThrownBy(() -> server.execute("postgres", "select * from missing_table"))
                .isInstanceOf(FixtureException.class)
                .hasMessageContaining("42P01")
                .hasMessageContaining("missing_table");
    }

    @Test
    void passwordsNeverAppearInFailures() {
        server.createUser("twice", "pw-first", false);

        assertThatThrownBy(() -> server.createUser("twice", "pw-second", true))
                .isInstanceOf(FixtureException.class)
                .hasMessageContaining("42710")
                .hasMessageNotContaining("pw-second");
        assertThat(PostgresServer.Options.defaults().withSuperuserPassword("hidden-pw").toString())
                .doesNotContain("hidden-pw");
    }

    @Test
    void psqlConnectsOverTheTrustedUnixSocket() {
        Cli.Result result = Cli.runOrFail(Map.of(), Duration.ofSeconds(20), "psql", "-h",
                server.socketDir().toString(), "-p", String.valueOf(server.port()), "-U", "postgres", "-At",
                "-c", "select 40 + 2");

        assertThat(result.stdout().trim()).isEqualTo("42");
    }

    @Test
    void md5ServerStoresMd5HashesAndTlsServerVerifiesAgainstItsCa() throws Exception {
        try (PostgresServer md5 = PostgresServer.start(PostgresServer.Options.defaults()
                .withAuthMethod(AuthMethod.MD5).withSsl(true))) {
            md5.createUser("legacy", "legacy-pw", false);
            Path ca = md5.caCertificate().orElseThrow();

            assertThat(queryOne(md5.connect("postgres"),
                    "select string_agg(left(rolpassword, 3), ',') from pg_authid where rolname in ('postgres','legacy')"))
                    .isEqualTo("md5,md5");
            assertThat(queryOne(login(md5, "postgres", "legacy", "legacy-pw", "sslmode", "verify-full",
                    "sslrootcert", ca.toString()), "select ssl from pg_stat_ssl where pid = pg_backend_pid()"))
                    .isEqualTo("t");
            assertThatThrownBy(() -> login(md5, "postgres", "legacy", "nope"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        }
    }

    @Test
    void closeStopsTheServerAndDeletesItsDirectory() throws Exception {
        PostgresServer trust = PostgresServer.start(PostgresServer.Options.defaults().withAuthMethod(AuthMethod.TRUST));
        assertThat(queryOne(login(trust, "postgres", "postgres", "anything"), "select 1")).isEqualTo("1");
        assertThat(trust.caCertificate()).isEmpty();
        Path base = trust.socketDir();

        trust.close();
        trust.close();

        assertThat(Files.exists(base)).isFalse();
        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress("127.0.0.1", trust.port()), 1000))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void startFailureShowsTheServerLog() {
        assertThatThrownBy(() -> PostgresServer.start(PostgresServer.Options.defaults()
                .withSetting("shared_buffers", "lots")))
                .isInstanceOf(FixtureException.class)
                .hasMessageContaining("pg.log tail")
                .hasMessageContaining("shared_buffers");
    }
}
