package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 3, dry run: {@code sluice policy test} classifies a statement, prints every matching rule and the verdict
 * for a given identity and connection, and with {@code --expect} fails (exit 1) when the verdict differs, so that
 * policy files can be checked in CI. Runs the real CLI in-process on the same policy as the gateway tests.
 */
class PolicyCliE2ETest {
    @TempDir
    static Path dir;
    private static Path config;

    /** What one CLI run printed and returned. */
    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void writeConfig() throws IOException {
        Files.writeString(dir.resolve("db-password"), "not-used");
        Files.createDirectories(dir.resolve("policies"));
        Files.writeString(dir.resolve("policies/10-hardening.yaml"), PolicyE2EFixture.HARDENING);
        config = dir.resolve("sluice.yaml");
        Files.writeString(config, """
                identity:
                  oidc:
                    - issuer: http://127.0.0.1:9/default
                      audience: sluice
                connections:
                  - name: orders
                    type: postgres
                    address: 127.0.0.1:5432
                    database: orders
                    user: app
                    password: ${file:%s}
                    allow:
                      groups: [agents, sre]
                """.formatted(dir.resolve("db-password")) + PolicyE2EFixture.POLICIES);
    }

    @Test
    void printsTheClassificationEveryMatchedRuleAndTheVerdict() {
        Run run = policyTest("--subject", "bot", "--groups", "agents,readers", "--connection", "orders",
                "DELETE FROM items");
        assertThat(run.exit()).isZero();
        assertThat(run.out())
                .contains("statement: kind=DELETE tables=[items] functions=[] has_where=false opaque=false")
                .contains("matched: writes-need-a-where (deny)")
                .contains("matched: deletes-need-a-human (require-approval)")
                .contains("verdict: deny by rule writes-need-a-where");
    }

    @Test
    void showsAHoldWithItsApprovers() {
        Run run = policyTest("--subject", "bot", "--groups", "agents", "--connection", "orders",
                "DELETE FROM items WHERE id = 1", "--expect", "hold");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("has_where=true").contains("verdict: hold by rule deletes-need-a-human")
                .contains("(approvers: sre)");
    }

    @Test
    void readsRulesFromThePolicyDirectoryAndJudgesEveryStatementOfAString() {
        Run run = policyTest("--subject", "bot", "--groups", "agents", "--connection", "orders",
                "SELECT 1; SELECT * FROM U&\"s\\0065crets\"");
        assertThat(run.out()).contains("statement: kind=SELECT tables=[]")
                .contains("statement: kind=SELECT tables=[secrets]")
                .contains("matched: no-secrets (deny) statement 2:")
                .contains("verdict: deny by rule no-secrets: secrets are off limits to agents");
    }

    @Test
    void expectExitsOneWhenTheVerdictDiffersAndZeroWhenItMatches() {
        assertThat(policyTest("--subject", "bot", "--groups", "agents", "--connection", "orders", "--expect", "deny",
                "SELECT * FROM items WHERE id = 1").exit()).isEqualTo(1);
        assertThat(policyTest("--subject", "bot", "--groups", "agents", "--connection", "orders", "--expect", "deny",
                "DR/**/OP TABLE items").exit()).isZero();
        assertThat(policyTest("--subject", "alice", "--groups", "sre", "--connection", "orders", "--expect", "allow",
                "DROP TABLE items").exit()).isZero();
    }

    @Test
    void anUnknownConnectionOrABrokenConfigExitsTwoWithTheProblem() throws IOException {
        Run unknown = policyTest("--subject", "bot", "--connection", "nope", "SELECT 1");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("no connection named \"nope\"");

        Path broken = dir.resolve("policies/20-broken.yaml");
        Files.writeString(broken, "- name: bad\n  deny:\n    when: \"command.has_wher\"\n");
        try {
            Run run = policyTest("--subject", "bot", "--connection", "orders", "SELECT 1");
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err()).containsPattern("20-broken\\.yaml:3: .*has_wher");
        } finally {
            Files.delete(broken);
        }
    }

    private static Run policyTest(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 4];
        full[0] = "policy";
        full[1] = "test";
        full[2] = "--config";
        full[3] = config.toString();
        System.arraycopy(args, 0, full, 4, args.length);
        int exit = cli.execute(full);
        return new Run(exit, out.toString(), err.toString());
    }
}
