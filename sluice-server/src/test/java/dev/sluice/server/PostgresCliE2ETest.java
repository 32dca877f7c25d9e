package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.testing.Cli;

/** The real command-line clients, psql and pgbench, through Sluice with an OIDC token as the password. */
class PostgresCliE2ETest {
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start("");
        try (Connection c = harness.connect("setup", "agents"); Statement s = c.createStatement()) {
            s.execute("create table products (id int primary key, name text not null, price numeric(8,2))");
            s.execute("comment on table products is 'what we sell'");
            s.execute("create index products_name on products(name)");
            s.execute("insert into products values (1, 'apple', 0.50), (2, 'pear', 0.75)");
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void psqlRunsQueriesAndDescribesTables() {
        String token = harness.token("psql-user", "agents");
        Cli.Result query = harness.psql(token, "-At", "-c", "select name from products order by id");
        assertThat(query.exitCode()).isZero();
        assertThat(query.stdout().lines()).containsExactly("apple", "pear");

        Cli.Result tables = harness.psql(token, "-c", "\\d");
        assertThat(tables.stderr()).isEmpty();
        assertThat(tables.stdout()).contains("products").contains("table");

        Cli.Result table = harness.psql(token, "-c", "\\d+ products");
        assertThat(table.stderr()).isEmpty();
        assertThat(table.stdout()).contains("Table \"public.products\"", "price", "numeric(8,2)",
                "\"products_pkey\" PRIMARY KEY, btree (id)", "\"products_name\" btree (name)");

        assertThat(harness.audit(AuditQuery.all().withSubject("psql-user").withKind("command")))
                .anySatisfy(e -> assertThat(e.statement()).contains("pg_catalog.pg_class"));
    }

    @Test
    void psqlCopiesFromStdinAndToStdout() {
        String token = harness.token("psql-copy", "agents");
        harness.psql(token, "-c", "create table imported (id int, label text)");
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= 1000; i++) {
            rows.append(i).append(",label ").append(i).append('\n');
        }
        Cli.Result in = Cli.runWithInput(rows.toString(), Map.of("PGPASSWORD", token), Duration.ofSeconds(60),
                "psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", harness.conninfo("agent"),
                "-c", "\\copy imported from stdin with (format csv)");
        assertThat(in.stderr()).isEmpty();
        assertThat(in.stdout()).contains("COPY 1000");

        Cli.Result out = harness.psql(token, "-c", "\\copy (select * from imported order by id) to stdout "
                + "with (format csv)");
        assertThat(out.exitCode()).isZero();
        assertThat(out.stdout()).isEqualTo(rows.toString());
    }

    @Test
    void psqlSessionReceivesNotifications() throws Exception {
        String token = harness.token("psql-listen", "agents");
        CompletableFuture<Cli.Result> session = CompletableFuture.supplyAsync(() -> Cli.runWithInput(
                "LISTEN stock;\nNOTIFY stock, 'own';\nselect pg_sleep(3);\nselect 'done';\n",
                Map.of("PGPASSWORD", token), Duration.ofSeconds(60),
                "psql", "-X", "-d", harness.conninfo("agent")));
        Thread.sleep(1500);
        try (Connection c = harness.connect("jdbc-notifier", "agents"); Statement s = c.createStatement()) {
            s.execute("notify stock, 'from another session'");
        }
        Cli.Result result = session.get(30, TimeUnit.SECONDS);
        assertThat(result.stdout())
                .contains("Asynchronous notification \"stock\" with payload \"own\" received")
                .contains("Asynchronous notification \"stock\" with payload \"from another session\" received")
                .contains("done");
    }

    @Test
    void pgbenchInitialisesThroughSluice() throws Exception {
        Cli.Result init = pgbench("-i", "-s", "1");
        assertThat(init.exitCode()).as(init.stderr()).isZero();
        assertThat(init.stderr()).contains("done in");
        try (Connection direct = harness.direct(); Statement s = direct.createStatement();
             ResultSet r = s.executeQuery("select count(*) from pgbench_accounts")) {
            r.next();
            assertThat(r.getInt(1)).isEqualTo(100_000);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended", "prepared"})
    void pgbenchRunsWithoutFailures(String mode) {
        ensurePgbenchTables();
        Cli.Result run = pgbench("-M", mode, "-T", "5", "-c", "4", "-j", "2");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).contains("query mode: " + mode).contains("number of failed transactions: 0");
        Matcher tps = TPS.matcher(run.stdout());
        assertThat(tps.find()).as(run.stdout()).isTrue();
        assertThat(Double.parseDouble(tps.group(1))).isPositive();
    }

    private static void ensurePgbenchTables() {
        try (Connection direct = harness.direct(); Statement s = direct.createStatement();
             ResultSet r = s.executeQuery("select to_regclass('public.pgbench_accounts') is not null")) {
            r.next();
            if (!r.getBoolean(1)) {
                assertThat(pgbench("-i", "-s", "1").exitCode()).isZero();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Cli.Result pgbench(String... args) {
        String[] command = new String[args.length + 2];
        command[0] = "pgbench";
        System.arraycopy(args, 0, command, 1, args.length);
        command[command.length - 1] = harness.conninfo("agent");
        return Cli.run(Map.of("PGPASSWORD", harness.token("bench", "agents")), Duration.ofSeconds(90), command);
    }
}
