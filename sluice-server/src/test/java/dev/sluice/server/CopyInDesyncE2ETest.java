package dev.sluice.server;

import static dev.sluice.server.PolicyWireClient.errors;
import static dev.sluice.server.PolicyWireClient.parse;
import static dev.sluice.server.PolicyWireClient.query;
import static dev.sluice.server.PolicyWireClient.sync;
import static dev.sluice.server.PolicyWireClient.types;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.FrontendMessage;

/**
 * Red team (policy): while the server copies data in ({@code COPY .. FROM STDIN}), it ignores Sync and Flush and
 * swallows any other message with an error. Sluice expected an answer to each of them: a Sync sent into a COPY left a
 * phantom ReadyForQuery in its tracker, every later answer was paired with the message before it, and a Parse the
 * server had accepted was believed failed. A held DELETE then ran under a name Sluice believed was a SELECT:
 * <pre>
 *   Query "COPY scratch FROM STDIN", Sync (ignored by the server), CopyData, CopyDone
 *   Parse p = "DELETE FROM items WHERE id = 4", Sync        -- a Parse runs nothing: not held; the server defines p
 *   Query "PREPARE p AS SELECT 1"                           -- 42P05 on the server; Sluice now thinks p = SELECT 1
 *   Query "SELECT 1"
 *   Query "EXECUTE p"                                       -- judged as SELECT 1, ran the DELETE
 * </pre>
 * Each test checks the database (the corpus invariant), what the client saw and the audit trail.
 */
class CopyInDesyncE2ETest {
    private static final String REJECTED = "was rejected by corpus-sre: " + GatewayPolicyRejecter.REASON;
    private static GatewayHarness harness;
    private static Thread rejecter;

    @BeforeAll
    static void start() throws Exception {
        harness = PolicyE2EFixture.start();
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

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject).withLimit(1000));
    }

    /** session.end is appended after the client saw the close: polled briefly; its reason names the COPY. */
    private static boolean sessionEndedFor(String subject) throws InterruptedException {
        return PolicyE2EFixture.eventually(java.time.Duration.ofSeconds(5), () -> audit(subject).stream()
                .anyMatch(r -> r.kind().equals("session.end") && r.toString().contains("COPY")));
    }

    private static FrontendMessage.CopyData row(String text) {
        return new FrontendMessage.CopyData((text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSyncSentIntoACopyDoesNotShiftTheAnswersAndTheHeldDeleteStaysHeld() throws Exception {
        String delete = "DELETE FROM items WHERE id = 4";
        try (PolicyWireClient client = connect("rt-copy-sync")) {
            client.send(query("COPY scratch(note) FROM STDIN"), sync());
            assertThat(client.next()).isInstanceOf(BackendMessage.CopyInResponse.class);
            client.send(row("rt-copy-sync"), new FrontendMessage.CopyDone());
            assertThat(types(client.untilReady())).isEqualTo("CZ");
            assertThat(types(client.send(parse("p", delete), sync()).untilReady())).isEqualTo("1Z");
            List<BackendMessage> answer = client.send(query("PREPARE p AS SELECT 1")).untilReady();
            assertThat(errors(answer).getFirst().sqlState()).isEqualTo("42P05");
            assertThat(types(client.send(query("SELECT 1")).untilReady())).isEqualTo("TDCZ");
            answer = client.send(query("EXECUTE p")).untilReady();
            assertThat(errors(answer)).as(types(answer)).isNotEmpty();
            assertThat(errors(answer).getFirst().message()).contains(REJECTED);
        }
        assertThat(PolicyE2EFixture.holds(harness, "exists(select 1 from scratch where note = 'rt-copy-sync')"))
                .isTrue();
        assertThat(audit("rt-copy-sync")).anySatisfy(r -> {
            assertThat(r.verdict()).isEqualTo("hold");
            assertThat(r.details().get("rule")).isEqualTo("deletes-need-a-human");
            assertThat(r.statement()).startsWith("EXECUTE p").contains(delete);
        });
    }

    @Test
    void aQuerySentIntoACopyEndsTheSessionInsteadOfBeingForgotten() throws Exception {
        try (PolicyWireClient client = connect("rt-copy-query")) {
            client.send(query("COPY scratch(note) FROM STDIN"));
            assertThat(client.next()).isInstanceOf(BackendMessage.CopyInResponse.class);
            client.send(row("rt-copy-query"), query("PREPARE r AS SELECT 1"));
            List<BackendMessage> answer = client.untilReadyOrClosed();
            assertThat(errors(answer)).as(types(answer)).anySatisfy(e -> {
                assertThat(e.severity()).isEqualTo("FATAL");
                assertThat(e.message()).contains("COPY");
            });
        }
        assertThat(PolicyE2EFixture.holds(harness, "not exists(select 1 from scratch where note = 'rt-copy-query')"))
                .isTrue();
        assertThat(sessionEndedFor("rt-copy-query")).as(() -> audit("rt-copy-query").toString()).isTrue();
    }

    @Test
    void aQueryPipelinedBehindTheCopyBeforeTheServerStartedItEndsTheSession() throws Exception {
        try (PolicyWireClient client = connect("rt-copy-race")) {
            // sent together: Sluice forwards the PREPARE before the server has said it copies
            client.send(query("COPY scratch(note) FROM STDIN"), query("PREPARE r AS SELECT 1"));
            List<BackendMessage> answer = client.untilReadyOrClosed();
            assertThat(errors(answer)).as(types(answer)).anySatisfy(e -> {
                assertThat(e.severity()).isEqualTo("FATAL");
                assertThat(e.message()).contains("COPY");
            });
        }
        assertThat(sessionEndedFor("rt-copy-race")).isTrue();
    }

    @Test
    void anOrdinaryCopyStillWorksAndSoDoesAFailedOne() throws Exception {
        try (PolicyWireClient client = connect("rt-copy-ok")) {
            client.send(query("COPY scratch(note) FROM STDIN"));
            assertThat(client.next()).isInstanceOf(BackendMessage.CopyInResponse.class);
            client.send(row("rt-copy-ok-1"), row("rt-copy-ok-2"), new FrontendMessage.CopyDone());
            assertThat(types(client.untilReady())).isEqualTo("CZ");
            // a COPY that fails before it starts: the client goes on without CopyDone
            List<BackendMessage> answer = client.send(query("COPY no_such_table FROM STDIN")).untilReady();
            assertThat(errors(answer).getFirst().sqlState()).isEqualTo("42P01");
            client.send(query("COPY scratch(note) FROM STDIN"));
            assertThat(client.next()).isInstanceOf(BackendMessage.CopyInResponse.class);
            client.send(new FrontendMessage.CopyFail("client gave up"));
            assertThat(errors(client.untilReady()).getFirst().sqlState()).isEqualTo("57014");
            assertThat(types(client.send(query("SELECT 1")).untilReady())).isEqualTo("TDCZ");
        }
        assertThat(PolicyE2EFixture.count(harness, "select count(*) from scratch where note like 'rt-copy-ok-%'"))
                .isEqualTo(2);
    }
}
