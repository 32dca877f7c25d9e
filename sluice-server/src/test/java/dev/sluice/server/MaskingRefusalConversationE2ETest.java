package dev.sluice.server;

import static dev.sluice.server.PolicyWireClient.bind;
import static dev.sluice.server.PolicyWireClient.close;
import static dev.sluice.server.PolicyWireClient.errors;
import static dev.sluice.server.PolicyWireClient.execute;
import static dev.sluice.server.PolicyWireClient.parse;
import static dev.sluice.server.PolicyWireClient.query;
import static dev.sluice.server.PolicyWireClient.sync;
import static dev.sluice.server.PolicyWireClient.types;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.postgres.wire.BackendMessage;

/**
 * A result masking refuses is withheld from the client, but the server still ran everything the client sent behind
 * it: Sluice's one conversation state follows the server's own answers, so the names those messages changed mean what
 * the server made them mean, and what they ran is audited as run. Each test checks the client's view, the database
 * afterwards and the audit trail.
 */
class MaskingRefusalConversationE2ETest {
    private static final String MASKING = """
            masking:
              - name: customer-email
                connections: [orders]
                columns:
                  customers.email: redact
            """;
    private static final String REJECTED = "was rejected by corpus-sre: " + GatewayPolicyRejecter.REASON;
    private static GatewayHarness harness;
    private static Thread rejecter;

    @BeforeAll
    static void start() throws Exception {
        harness = PolicyE2EFixture.start(MASKING);
        rejecter = Thread.ofVirtual().start(GatewayPolicyRejecter.of(harness));
    }

    @AfterAll
    static void stop() {
        rejecter.interrupt();
        harness.close();
    }

    @AfterEach
    void theDatabaseIsIntact() {
        assertThat(PolicyE2EFixture.holds(harness, PolicyE2EFixture.INVARIANT)).as("items intact").isTrue();
    }

    private static PolicyWireClient connect(String subject) throws Exception {
        return PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"));
    }

    private static List<AuditRecord> audit(String subject, String kind) {
        return harness.audit(AuditQuery.all().withSubject(subject).withKind(kind).withLimit(1000));
    }

    @Test
    void aStatementReplacedBehindAResultMaskingRefusedIsJudgedAsWhatTheServerHolds() throws Exception {
        String delete = "DELETE FROM items WHERE id = 5";
        try (PolicyWireClient client = connect("conv-replace")) {
            assertThat(types(client.send(parse("q1", "SELECT 1"), sync()).untilReady())).isEqualTo("1Z");
            // rows of a statement never described: masking cannot tell their columns and refuses them; the Close
            // and the Parse behind them still run on the server, which now holds the DELETE under q1
            List<BackendMessage> answer = client.send(parse("", "SELECT 1"), bind(""), execute(), close('S', "q1"),
                    parse("q1", delete), sync()).untilReady();
            assertThat(errors(answer)).singleElement()
                    .satisfies(e -> assertThat(e.message()).startsWith("refused by Sluice masking"));
            List<BackendMessage> run = client.send(query("EXECUTE q1")).untilReady();
            assertThat(errors(run)).as(types(run)).singleElement()
                    .satisfies(e -> assertThat(e.message()).contains(REJECTED));
        }
        assertThat(audit("conv-replace", "command")).anySatisfy(r -> {
            assertThat(r.verdict()).isEqualTo("hold");
            assertThat(r.statement()).startsWith("EXECUTE q1").contains(delete);
        });
    }

    @Test
    void aStatementRunBehindAResultMaskingRefusedIsAuditedWithItsOutcome() throws Exception {
        try (PolicyWireClient client = connect("conv-outcome")) {
            List<BackendMessage> answer = client.send(parse("", "SELECT 1"), bind(""), execute(),
                    parse("", "UPDATE items SET name = name WHERE id = 6"), bind(""), execute(), sync()).untilReady();
            assertThat(types(answer)).isEqualTo("12EZ");
        }
        assertThat(audit("conv-outcome", "command.result"))
                .anySatisfy(r -> assertThat(r.error()).startsWith("refused by Sluice masking"))
                .anySatisfy(r -> {
                    assertThat(r.error()).isEmpty();
                    assertThat(r.details().get("tag")).isEqualTo("UPDATE 1");
                });
    }
}
