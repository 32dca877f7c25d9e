package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.testing.Cli;

/**
 * Issue 9, class 1 (lexer state), for what a corpus line cannot express: the startup packet, settings changed on the
 * database itself before a session starts, server-side code that flips a setting (with a statement pipelined behind
 * it), and statement text in a non-UTF-8 client encoding. Every test checks the database, the audit trail and what
 * the client saw. The corpus half is {@code policy/adversarial-lexer.tsv}.
 */
class LexerStateE2ETest {
    private static final String SMUGGLE = "SELECT 'a\\' || '; DROP TABLE items; --'";
    private static final String SMUGGLED_VALUE = "a\\; DROP TABLE items; --";
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws SQLException {
        harness = GatewayHarness.start("""
                policies:
                  - name: no-cafe
                    connections: [orders]
                    groups: [agents]
                    deny:
                      tables: ["café"]
                      reason: that table is off limits
                """);
        superuser("set role app;"
                + " create table items(id int primary key, name text);"
                + " insert into items select g, 'item-' || g from generate_series(1, 3) g;"
                + " create table \"café\"(id int); insert into \"café\" values (1);"
                + " create function flip_scs() returns text language plpgsql as"
                + " $$begin perform set_config('standard_conforming_strings', 'off', false); return 'flipped'; end$$;"
                + " create function flip_encoding() returns text language plpgsql as"
                + " $$begin perform set_config('client_encoding', 'SJIS', false); return 'flipped'; end$$;");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void pgoptionsTurningTheSettingsOffCannotReachTheServerAndTheLiteralReadsAsOne() {
        Cli.Result result = psql(Map.of("PGOPTIONS", "-c standard_conforming_strings=off -c backslash_quote=on"),
                "lexer-pgoptions", "-c", "SHOW standard_conforming_strings", "-c", "SHOW backslash_quote",
                "-c", SMUGGLE);

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout().lines()).containsExactly("on", "safe_encoding", SMUGGLED_VALUE);
        assertItemsIntact();
    }

    @Test
    void aClientOnlyClientEncodingIsRefusedAtStartupAndAudited() throws Exception {
        Cli.Result result = psql(Map.of("PGCLIENTENCODING", "SJIS"), "lexer-sjis", "-c", "SELECT 1");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("refused by Sluice: client_encoding SJIS is not allowed");
        assertThat(denials("lexer-sjis")).anyMatch(r -> r.toString().contains("client_encoding SJIS is not allowed"));
    }

    @Test
    void aRawStartupPacketAskingForAnUnpinnedValueIsRefused() throws Exception {
        String token = harness.token("lexer-raw-startup", "agents");
        for (Map<String, String> parameters : List.of(Map.of("standard_conforming_strings", "off"),
                Map.of("client_encoding", "GBK"), Map.of("client_encoding", "big-5"),
                Map.of("backslash_quote", "on"))) {
            assertThatThrownBy(() -> PolicyWireClient.connect(harness.port(), token, parameters).close())
                    .as(parameters.toString()).isInstanceOf(Exception.class);
        }
        List<AuditRecord> denials = denials("lexer-raw-startup");
        assertThat(denials).hasSize(4);
        assertThat(denials.toString()).contains("standard_conforming_strings is pinned by Sluice to on")
                .contains("client_encoding GBK is not allowed").contains("client_encoding BIG5 is not allowed")
                .contains("backslash_quote is pinned by Sluice");
    }

    @Test
    void roleAndDatabaseDefaultsSetOnTheDatabaseCannotChangeHowTheNextSessionReads() throws Exception {
        superuser("alter role app set standard_conforming_strings = off; alter role app set backslash_quote = off;"
                + " alter database orders set client_encoding = 'SJIS'");
        try {
            Cli.Result result = psql(Map.of(), "lexer-defaults", "-c", "SHOW standard_conforming_strings",
                    "-c", "SHOW client_encoding", "-c", "SHOW backslash_quote", "-c", "RESET ALL",
                    "-c", "SHOW standard_conforming_strings", "-c", "SHOW client_encoding", "-c", SMUGGLE);
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout().lines()).containsExactly("on", "UTF8", "safe_encoding", "RESET", "on", "UTF8",
                    SMUGGLED_VALUE);

            Cli.Result reset = psql(Map.of(), "lexer-defaults", "-c", "RESET standard_conforming_strings");
            assertThat(reset.stderr()).contains("refused by Sluice: standard_conforming_strings is pinned");

            try (Connection c = harness.connect("lexer-defaults-jdbc", "agents"); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT current_setting('standard_conforming_strings'), "
                         + "current_setting('client_encoding'), (" + SMUGGLE.substring(7) + ")")) {
                r.next();
                assertThat(List.of(r.getString(1), r.getString(2), r.getString(3)))
                        .containsExactly("on", "UTF8", SMUGGLED_VALUE);
            }
        } finally {
            superuser("alter role app reset all; alter database orders reset all");
        }
        assertItemsIntact();
    }

    @Test
    void aFunctionThatTurnsStandardConformingStringsOffEndsTheSession() throws Exception {
        String subject = "lexer-flip";
        List<BackendMessage> seen;
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"))) {
            client.send(new FrontendMessage.Query("SELECT flip_scs()"));
            seen = client.untilReadyOrClosed();
        }

        assertThat(fatal(seen)).contains("Sluice ended the session: the server reported "
                + "standard_conforming_strings = off");
        assertThat(sessionEnd(subject)).contains("standard_conforming_strings = off");
        assertItemsIntact();
    }

    @Test
    void aSmugglingStatementPipelinedBehindTheFlipIsRefusedAndTheTableSurvives() throws Exception {
        String subject = "lexer-flip-pipelined";
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"))) {
            client.send(new FrontendMessage.Query("SELECT flip_scs()"), new FrontendMessage.Query(SMUGGLE));
            List<BackendMessage> seen = client.untilReadyOrClosed();
            seen.addAll(client.untilReadyOrClosed());
            assertThat(fatal(seen)).contains("Sluice ended the session");
        }

        assertItemsIntact();
        assertThat(refusedStatements(subject)).anyMatch(r -> r.statement().equals(SMUGGLE)
                && r.error().contains("cannot run while an earlier statement of the session is still running"));
        assertThat(sessionEnd(subject)).contains("standard_conforming_strings = off");
    }

    @Test
    void aSmugglingParsePipelinedInTheFlipsExtendedBatchIsRefusedAndTheTableSurvives() throws Exception {
        String subject = "lexer-flip-extended";
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"))) {
            client.send(PolicyWireClient.parse("", "SELECT flip_scs()"), PolicyWireClient.bind(""),
                    PolicyWireClient.execute(), PolicyWireClient.parse("", SMUGGLE), PolicyWireClient.bind(""),
                    PolicyWireClient.execute(), PolicyWireClient.sync());
            List<BackendMessage> seen = client.untilReadyOrClosed();
            assertThat(PolicyWireClient.errors(seen)).extracting(BackendMessage.ErrorResponse::message)
                    .anyMatch(m -> m.startsWith("refused by Sluice: a statement with a backslash"));

            // The refusal failed the batch's implicit transaction, which undid the flip: the session reads as before.
            client.send(new FrontendMessage.Query("SHOW standard_conforming_strings"));
            List<BackendMessage> shown = client.untilReady();
            assertThat(shown).filteredOn(BackendMessage.DataRow.class::isInstance).singleElement()
                    .satisfies(row -> assertThat(new String(((BackendMessage.DataRow) row).values()[0],
                            StandardCharsets.UTF_8)).isEqualTo("on"));
        }

        assertItemsIntact();
        assertThat(refusedStatements(subject)).anyMatch(r -> r.statement().equals(SMUGGLE));
    }

    @Test
    void aSmugglingParseInTheNextPipelinedBatchIsRefusedUntilTheFlipsReportArrives() throws Exception {
        String subject = "lexer-flip-next-batch";
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"))) {
            client.send(PolicyWireClient.parse("", "SELECT flip_scs()"), PolicyWireClient.bind(""),
                    PolicyWireClient.execute(), PolicyWireClient.sync(), PolicyWireClient.parse("", SMUGGLE),
                    PolicyWireClient.bind(""), PolicyWireClient.execute(), PolicyWireClient.sync());
            List<BackendMessage> seen = client.untilReadyOrClosed();
            seen.addAll(client.untilReadyOrClosed());
            assertThat(fatal(seen)).contains("Sluice ended the session");
        }

        assertItemsIntact();
        assertThat(refusedStatements(subject)).anyMatch(r -> r.statement().equals(SMUGGLE));
        assertThat(sessionEnd(subject)).contains("standard_conforming_strings = off");
    }

    @Test
    void aFunctionThatSwitchesToAClientOnlyEncodingEndsTheSession() throws Exception {
        String subject = "lexer-flip-encoding";
        List<BackendMessage> seen;
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"))) {
            client.send(new FrontendMessage.Query("SELECT flip_encoding()"));
            seen = client.untilReadyOrClosed();
        }

        assertThat(fatal(seen)).contains("client_encoding = SJIS");
        assertThat(sessionEnd(subject)).contains("client_encoding = SJIS");
    }

    @Test
    void statementTextInLatin1IsReadInLatin1SoADenyRuleOnANonAsciiTableMatches() throws Exception {
        String subject = "lexer-latin1";
        Charset latin1 = StandardCharsets.ISO_8859_1;
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(), harness.token(subject, "agents"),
                Map.of("client_encoding", "LATIN1"))) {
            client.sendFrames(query("SELECT count(*) FROM \"café\"", latin1));
            List<BackendMessage> denied = client.untilReady();
            assertThat(PolicyWireClient.errors(denied)).singleElement().satisfies(e -> {
                assertThat(e.sqlState()).isEqualTo("42501");
                assertThat(e.message()).startsWith("denied by Sluice policy rule \"no-cafe\"");
            });

            client.sendFrames(query("SELECT 'é' AS e, count(*) FROM items", latin1));
            List<BackendMessage> allowed = client.untilReady();
            assertThat(allowed).filteredOn(BackendMessage.DataRow.class::isInstance).singleElement()
                    .satisfies(row -> assertThat(((BackendMessage.DataRow) row).values()[0])
                            .containsExactly((byte) 0xE9));
        }
        List<AuditRecord> statements = harness.audit(AuditQuery.all().withSubject(subject).withKind("command"));
        assertThat(statements).anyMatch(r -> r.statement().equals("SELECT count(*) FROM \"café\"")
                && r.verdict().equals("deny") && "no-cafe".equals(r.details().get("rule")));
        assertThat(statements).anyMatch(r -> r.statement().equals("SELECT 'é' AS e, count(*) FROM items")
                && r.verdict().equals("allow"));
    }

    @Test
    void pgjdbcTransactionsMayStartWithNonAsciiAndBackslashTextBehindTheirPipelinedBegin() throws Exception {
        for (Map<String, String> mode : List.of(Map.<String, String>of(), Map.of("prepareThreshold", "1"))) {
            try (Connection c = harness.connect("lexer-jdbc-tx", List.of("agents"), mode)) {
                c.setAutoCommit(false);
                for (int i = 0; i < 8; i++) {
                    try (Statement s = c.createStatement();
                         ResultSet r = s.executeQuery("SELECT 'café', 'a\\' || 'b', " + i)) {
                        r.next();
                        assertThat(r.getString(1) + r.getString(2)).as(mode + " #" + i).isEqualTo("caféa\\b");
                    }
                    c.commit();
                }
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static Frame query(String sql, Charset charset) {
        byte[] text = sql.getBytes(charset);
        return new Frame((byte) 'Q', Arrays.copyOf(text, text.length + 1));
    }

    private static Cli.Result psql(Map<String, String> env, String subject, String... args) {
        Map<String, String> all = new HashMap<>(env);
        all.put("PGPASSWORD", harness.token(subject, "agents"));
        all.put("PGCONNECT_TIMEOUT", "10");
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-At", "-d", harness.conninfo("agent")));
        command.addAll(List.of(args));
        return Cli.run(all, Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    private static String fatal(List<BackendMessage> seen) {
        return PolicyWireClient.errors(seen).stream().filter(e -> "FATAL".equals(e.fields().get('S')))
                .map(BackendMessage.ErrorResponse::message).findFirst().orElse("(no FATAL in " + seen + ")");
    }

    private static List<AuditRecord> denials(String subject) throws InterruptedException {
        return poll(() -> harness.audit(AuditQuery.all().withSubject(subject).withKind("access.denied")));
    }

    private static String sessionEnd(String subject) throws InterruptedException {
        return poll(() -> harness.audit(AuditQuery.all().withSubject(subject).withKind("session.end"))).toString();
    }

    private static List<AuditRecord> refusedStatements(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject).withKind("command")).stream()
                .filter(r -> r.verdict().equals("deny")).toList();
    }

    /** Events appended after the client saw the close are not waited for: poll briefly. */
    private static List<AuditRecord> poll(java.util.function.Supplier<List<AuditRecord>> query)
            throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<AuditRecord> result = query.get();
            if (!result.isEmpty() || System.nanoTime() > deadline) {
                return result;
            }
            Thread.sleep(50);
        }
    }

    private static void assertItemsIntact() {
        assertThat(PolicyE2EFixture.holds(harness, "select count(*) = 3 from items")).isTrue();
    }

    private static void superuser(String sql) throws SQLException {
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
