package dev.sluice.server;

import static dev.sluice.server.PolicyWireClient.bind;
import static dev.sluice.server.PolicyWireClient.errors;
import static dev.sluice.server.PolicyWireClient.execute;
import static dev.sluice.server.PolicyWireClient.parse;
import static dev.sluice.server.PolicyWireClient.sync;
import static dev.sluice.server.PolicyWireClient.types;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Issue 3, live reload: a policy change applies to the next command of sessions already open (psql, pgjdbc simple
 * and server-prepared), a broken policy file is refused with FILE:LINE problems in the audit trail while the last good
 * policy stays in force, and a pgbench run loses no transaction while policies change under it.
 */
class PolicyReloadE2ETest {
    private static final Duration RELOAD = Duration.ofSeconds(5);
    private static final String NO_CUSTOMERS = """
            - name: live-no-customers
              connections: [orders]
              groups: [agents]
              deny:
                tables: [customers]
            """;
    private static final int BASE_RULES = 12; // policies.yaml and hardening.yaml
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = PolicyE2EFixture.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @AfterEach
    void removeLivePolicies() throws Exception {
        try (var files = Files.list(PolicyE2EFixture.policyDir(harness))) {
            for (Path file : files.filter(f -> !f.getFileName().toString().startsWith("10-")).toList()) {
                Files.delete(file);
            }
        }
        // let the watcher itself see the removal (a direct reload() would leave its last digest behind, and the next
        // test writing the same content again would go unnoticed)
        Thread.sleep(1_200);
        assertThat(PolicyE2EFixture.eventually(RELOAD, () -> harness.gateway().state().policies().rules().size()
                == BASE_RULES)).isTrue();
    }

    @Test
    void aPolicyChangeAppliesToTheNextCommandOfOpenPgjdbcSessions() throws Exception {
        try (Connection simple = harness.connect("live-simple", List.of("agents"), Map.of("preferQueryMode", "simple"));
             Connection prepared = harness.connect("live-prepared", List.of("agents"), Map.of("prepareThreshold", "1"));
             PreparedStatement select = prepared.prepareStatement("SELECT email FROM customers WHERE id = ?")) {
            select.setInt(1, 1);
            select.executeQuery().close();
            assertThat(refusal(simple, "SELECT count(*) FROM customers")).isEmpty();

            PolicyE2EFixture.writePolicy(harness, "20-live.yaml", NO_CUSTOMERS);
            assertThat(PolicyE2EFixture.eventually(RELOAD,
                    () -> refusal(simple, "SELECT count(*) FROM customers").contains("live-no-customers"))).isTrue();
            // the statement was prepared on the server before the change: it is judged again at every Execute
            assertThat(executeRefusal(select)).contains("denied by Sluice policy rule \"live-no-customers\"");

            PolicyE2EFixture.writePolicy(harness, "20-live.yaml", "[]\n");
            assertThat(PolicyE2EFixture.eventually(RELOAD,
                    () -> refusal(simple, "SELECT count(*) FROM customers").isEmpty())).isTrue();
            assertThat(executeRefusal(select)).isEmpty();
        }
    }

    @Test
    void aPolicyChangeAppliesToTheNextCommandOfAnOpenPsqlSession() throws Exception {
        Path next = Files.createTempFile(harness.configFile().getParent(), "next-", ".yaml");
        Files.writeString(next, NO_CUSTOMERS);
        Path target = PolicyE2EFixture.policyDir(harness).resolve("20-live.yaml");
        String script = """
                SELECT 'before:' || count(*) FROM customers;
                \\! mv %s %s && sleep 2.5
                SELECT 'after:' || count(*) FROM customers;
                SELECT 'still-usable';
                """.formatted(next, target);
        Cli.Result result = Cli.runWithInput(script, Map.of("PGPASSWORD", harness.token("live-psql", "agents")),
                Duration.ofSeconds(60), "psql", "-X", "-At", "-d", harness.conninfo("agent"), "-v",
                "VERBOSITY=verbose", "-f", "-");
        assertThat(result.stdout()).contains("before:3").doesNotContain("after:").contains("still-usable");
        assertThat(result.stderr()).contains("42501: denied by Sluice policy rule \"live-no-customers\"");
    }

    @Test
    void aStatementPreparedUnderALenientPolicyCannotBeRelabelledToEscapeAStricterOne() throws Exception {
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token("live-wire", "agents"))) {
            client.run("bump", "UPDATE items SET qty = qty WHERE id = 1").send(sync());
            assertThat(types(client.untilReady())).isEqualTo("12CZ");

            PolicyE2EFixture.writePolicy(harness, "20-live.yaml", """
                    - name: incident-no-updates
                      groups: [agents]
                      deny:
                        kinds: [UPDATE]
                    """);
            assertThat(PolicyE2EFixture.eventually(RELOAD, () -> harness.gateway().state().policies()
                    .rule("incident-no-updates").isPresent())).isTrue();
            client.send(parse("bump", "SELECT 1"), sync());
            assertThat(errors(client.untilReady())).hasSize(1);
            client.send(bind("bump"), execute(), sync());
            List<dev.sluice.postgres.wire.BackendMessage> answer = client.untilReady();
            assertThat(errors(answer)).as(answer.toString()).isNotEmpty();
            assertThat(errors(answer).getFirst().message())
                    .contains("denied by Sluice policy rule \"incident-no-updates\"");
        }
    }

    @Test
    void aBrokenPolicyFileKeepsTheLastGoodPolicyAndIsAuditedWithFileAndLine() throws Exception {
        Instant before = Instant.now();
        PolicyE2EFixture.writePolicy(harness, "30-broken.yaml", """
                - name: would-deny-items
                  groups: [agents]
                  deny:
                    tables: [items]
                - name: broken-cel
                  groups: [agents]
                  deny:
                    when: "command.has_wher"
                - name: unknown-key
                  groups: [agents]
                  colour: red
                  deny: {}
                """);
        assertThat(PolicyE2EFixture.eventually(RELOAD, () -> !reloads(before, false).isEmpty())).isTrue();
        AuditRecord rejected = reloads(before, false).getFirst();
        assertThat(rejected.details()).containsEntry("accepted", false);
        assertThat(rejected.details().get("problems").toString())
                .containsPattern("30-broken\\.yaml:8: \\[1\\]\\.deny\\.when: .*has_wher")
                .containsPattern("30-broken\\.yaml:11: .*colour");
        assertThat(reloads(before, true)).isEmpty();

        try (Connection c = harness.connect("live-broken", "agents")) {
            assertThat(refusal(c, "SELECT count(*) FROM items")).isEmpty();
            assertThat(refusal(c, "DROP TABLE items")).contains("agents-never-destroy");
        }
        Files.delete(PolicyE2EFixture.policyDir(harness).resolve("30-broken.yaml"));
        assertThat(PolicyE2EFixture.eventually(RELOAD, () -> !reloads(before, true).isEmpty())).isTrue();
    }

    @Test
    void pgbenchLosesNoTransactionWhilePoliciesChangeFiveTimes() throws Exception {
        Cli.Result init = pgbench(harness.token("bench-admin", "sre"), "-i", "-s", "1", "-q");
        assertThat(init.exitCode()).as(init.stderr()).isZero();
        Instant before = Instant.now();
        List<String> versions = List.of(NO_CUSTOMERS, "[]\n", """
                - name: live-no-secrets-twice
                  groups: [agents]
                  deny:
                    tables: ["*secret*"]
                """, "- name: broken\n  deny:\n    when: \"command.kind ==\"\n", NO_CUSTOMERS);
        try (ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Cli.Result> bench = background.submit(() -> pgbench(harness.token("bench-agent", "agents"),
                    "-n", "-T", "8", "-c", "4", "-M", "prepared"));
            Thread.sleep(1_000);
            for (String version : versions) {
                PolicyE2EFixture.writePolicy(harness, "20-live.yaml", version);
                Thread.sleep(1_200);
            }
            Cli.Result result = bench.get();
            assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
            assertThat(result.stdout()).contains("number of failed transactions: 0 (0.000%)");
            assertThat(result.stdout()).containsPattern("number of transactions actually processed: [1-9]");
        }
        assertThat(reloads(before, true)).hasSizeGreaterThanOrEqualTo(4);
        assertThat(reloads(before, false)).hasSize(1);
        assertThat(harness.gateway().state().policies().rule("live-no-customers")).isPresent();
    }

    private static Cli.Result pgbench(String token, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "pgbench";
        System.arraycopy(args, 0, command, 1, args.length);
        return Cli.run(Map.of("PGPASSWORD", token, "PGHOST", "127.0.0.1", "PGPORT", String.valueOf(harness.port()),
                "PGDATABASE", "orders", "PGUSER", "agent", "PGSSLMODE", "require"), Duration.ofSeconds(120), command);
    }

    private static List<AuditRecord> reloads(Instant since, boolean accepted) {
        return harness.audit(AuditQuery.all().withKind("config.reload").withSince(since)).stream()
                .filter(r -> Boolean.valueOf(accepted).equals(r.details().get("accepted"))).toList();
    }

    /** The refusal message of {@code sql} on {@code c}, empty when it ran. */
    private static String refusal(Connection c, String sql) {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
            return "";
        } catch (SQLException e) {
            assertThat(e.getSQLState()).isEqualTo("42501");
            return e.getMessage();
        }
    }

    private static String executeRefusal(PreparedStatement select) {
        try {
            select.executeQuery().close();
            return "";
        } catch (SQLException e) {
            return e.getMessage();
        }
    }
}
