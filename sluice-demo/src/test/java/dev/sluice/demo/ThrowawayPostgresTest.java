package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/**
 * What {@code sluice demo} does with its database, against a real PostgreSQL 15: the wider fixture behaviour (TLS,
 * MD5, start failures, command timeouts) is tested through {@code sluice-testing}'s PostgresServerTest and CliTest.
 */
class ThrowawayPostgresTest {

    @Test
    void seedsADatabaseForAnAppUserAndLeavesNothingBehindWhenClosed() throws Exception {
        ThrowawayPostgres server = ThrowawayPostgres.start();
        Path base = server.socketDir();
        int port = server.port();
        try {
            server.createDatabase("demo");
            server.createUser("sluice_app", "app-pw", false);
            server.execute("demo", "CREATE TABLE customers (id int); INSERT INTO customers VALUES (1), (2);"
                    + " GRANT SELECT ON customers TO sluice_app");
            Properties login = new Properties();
            login.setProperty("user", "sluice_app");
            login.setProperty("password", "app-pw");
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl("demo"), login);
                 ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM customers")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(2);
            }
            assertThatThrownBy(() -> server.execute("demo", "SELECT * FROM missing"))
                    .isInstanceOf(DemoException.class).hasMessageContaining("42P01");
        } finally {
            server.close();
        }
        server.close();

        assertThat(Files.exists(base)).isFalse();
        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress("127.0.0.1", port), 1000))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void optionsRefuseAnUnknownAuthMethodAndHideThePassword() {
        assertThatThrownBy(() -> new ThrowawayPostgres.Options("pw", "ident", Map.of(), false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ident");
        assertThat(ThrowawayPostgres.Options.defaults().toString()).contains("****").doesNotContain("pw-");
    }
}
