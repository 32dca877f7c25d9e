package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;

/**
 * Inline masking through a real Sluice in front of a real PostgreSQL: psql, pgjdbc in text and binary mode with
 * server-prepared statements, COPY TO STDOUT, a unique violation quoting an email; the audit store's bytes; and a
 * {@code dpo} caller who sees clear values.
 */
class MaskingEndToEndTest {
    private static final String MASKING = """
            masking:
              - name: customer-pii
                connections: [orders]
                unless-groups: [dpo]
                columns:
                  customers.card: partial
                  customers.email: hash
                  customers.ssn: null
                  customers.pin: partial
                detectors: [card, email, ssn, phone, iban]
                custom-detectors:
                  - name: order-ref
                    pattern: 'ORD-[0-9]{8}'
                strategy: redact
            """;
    /** Every clear value of the seed: none may reach a masked client or the audit store. */
    private static final List<String> CLEAR = List.of("alice.martin@example.com", "4242 4242 4242 4242",
            "123-45-6789", "+1 (415) 555-2671", "DE89370400440532013000", "bob.jones@example.org",
            "5555555555554444", "+44 20 7946 0958", "ORD-12345678", "carol.white@example.net", "378282246310005",
            "GB82WEST12345698765432", "512-44-8861", "dave.unique@example.com");
    private static GatewayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start(MASKING);
        try (Connection c = harness.direct(); Statement s = c.createStatement()) {
            s.execute("""
                    create table customers (id int primary key, name text, email varchar(200) unique, card text,
                      ssn text, phone text, iban text, pin int4, note text, profile jsonb);
                    alter table customers owner to app;
                    insert into customers values
                      (1, 'Alice Martin', 'alice.martin@example.com', '4242 4242 4242 4242', '123-45-6789',
                       '+1 (415) 555-2671', 'DE89370400440532013000', 1234,
                       'call +44 20 7946 0958 or mail bob.jones@example.org; card 5555555555554444, ref ORD-12345678',
                       '{"backup": "bob.jones@example.org", "tier": "gold"}'),
                      (2, 'Carol White', 'carol.white@example.net', '378282246310005', '512-44-8861',
                       '+44 20 7946 0958', 'GB82WEST12345698765432', 5678, 'no pii here', null);
                    """);
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    /**
     * Red team (masking): the server ignores a Sync sent while it copies data in. Masking kept its own queue of the
     * messages it expects answers to, and queued that Sync anyway: every later answer was paired with the message
     * before it, so a derived value was masked by the lineage of the statement before (which had none) and reached
     * the client clear. One conversation state now: masking expects only what the tracker expects.
     */
    @Test
    void aSyncSentIntoACopyDoesNotShiftMaskingOntoTheWrongStatement() throws Exception {
        try (PolicyWireClient client = PolicyWireClient.connect(harness.port(),
                harness.token("agent-copy-sync", "agents"))) {
            client.send(PolicyWireClient.query("create temp table scratch (x text)")).untilReady();
            client.send(PolicyWireClient.query("COPY scratch FROM STDIN"));
            while (!(client.next() instanceof dev.sluice.postgres.wire.BackendMessage.CopyInResponse)) {
                // wait for the server to copy in
            }
            client.send(PolicyWireClient.sync(), // ignored by the server while it copies in
                    new dev.sluice.postgres.wire.FrontendMessage.CopyData("a\n".getBytes(StandardCharsets.UTF_8)),
                    new dev.sluice.postgres.wire.FrontendMessage.CopyDone());
            List<dev.sluice.postgres.wire.BackendMessage> copied = client.untilReady();
            assertThat(PolicyWireClient.types(copied)).isEqualTo("CZ");

            List<String> seen = new ArrayList<>();
            for (String sql : List.of("select 1", "select 'plain'",
                    "select pin::text || '-derived' from customers where id = 1",
                    "select pin::text || '-derived' from customers where id = 1")) {
                seen.add(client.send(PolicyWireClient.query(sql)).untilReady().toString());
            }

            assertThat(String.join("\n", seen)).doesNotContain("1234-derived").doesNotContain("1234");
            assertThat(seen.get(0)).as("masking still pairs answers with statements").contains("DataRow");
        }
    }

    @Test
    void psqlSeesMaskedValuesOnly() {
        Cli.Result result = harness.psql(harness.token("agent-psql", "agents"), "-At", "-c",
                "select id, name, email, card, ssn, phone, iban, note, profile from customers order by id");
        assertThat(result.stderr()).isEmpty();
        assertNoClearValue(result.stdout());
        assertThat(result.stdout()).contains("Alice Martin", "**** **** **** 4242", "h:", "[REDACTED]",
                "\"[REDACTED]\"", "\"tier\": \"gold\"");
    }

    @Test
    void pgjdbcTextModeSeesMaskedValues() throws Exception {
        try (Connection c = harness.connect("agent-text", List.of("agents"), Map.of("prepareThreshold", "0"));
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select email, card, ssn, note, pin from customers where id = 1")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString("email")).matches("h:[0-9a-f]{16}");
            assertThat(r.getString("card")).isEqualTo("**** **** **** 4242");
            assertThat(r.getString("ssn")).isNull();
            assertThat(r.getString("note")).doesNotContain("bob.jones@example.org", "5555555555554444",
                    "+44 20 7946 0958", "ORD-12345678").contains("[REDACTED]");
            assertThat(r.getString("pin")).isEqualTo("****");
        }
    }

    @Test
    void pgjdbcBinaryServerPreparedStatementsAreMaskedOnEveryExecution() throws Exception {
        Map<String, String> binary = Map.of("prepareThreshold", "1", "binaryTransfer", "true",
                "binaryTransferEnable", "TEXT,VARCHAR,JSONB");
        try (Connection c = harness.connect("agent-binary", List.of("agents"), binary);
             PreparedStatement pii = c.prepareStatement("select email, card, note, profile from customers where id = ?");
             PreparedStatement plain = c.prepareStatement("select id, name from customers where id = ?")) {
            List<String> seen = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int id = 1; id <= 2; id++) {
                    pii.setInt(1, id);
                    try (ResultSet r = pii.executeQuery()) {
                        assertThat(r.next()).isTrue();
                        assertThat(r.getString(1)).matches("h:[0-9a-f]{16}");
                        seen.add(r.getString(1) + r.getString(2) + r.getString(3) + r.getString(4));
                    }
                    plain.setInt(1, id);
                    try (ResultSet r = plain.executeQuery()) {
                        assertThat(r.next()).isTrue();
                        assertThat(r.getInt(1)).isEqualTo(id);
                    }
                }
            }
            assertNoClearValue(String.join("\n", seen));
            assertThat(seen.getFirst()).contains("**** **** **** 4242", "\"backup\": \"[REDACTED]\"");
        }
    }

    @Test
    void binaryValueOfANonTextTypeUnderAColumnRuleIsRefused() throws Exception {
        Map<String, String> binary = Map.of("prepareThreshold", "1", "binaryTransfer", "true");
        try (Connection c = harness.connect("agent-pin", List.of("agents"), binary);
             PreparedStatement pin = c.prepareStatement("select pin from customers where id = ?")) {
            pin.setInt(1, 1);
            // pgjdbc asks for int4 in binary once the statement is server-prepared (second execution on).
            List<String> failures = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                try (ResultSet r = pin.executeQuery()) {
                    r.next();
                    assertThat(r.getString(1)).isEqualTo("****");
                } catch (PSQLException e) {
                    failures.add(e.getSQLState() + " " + e.getMessage());
                }
            }
            assertThat(failures).isNotEmpty().allSatisfy(f -> assertThat(f).startsWith("42501")
                    .contains("cannot mask binary column customers.pin"));
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("select 1")) {
                assertThat(r.next()).isTrue(); // the session goes on after the refusal
            }
        }
    }

    @Test
    void copyToStdoutIsMaskedFieldByField() throws Exception {
        try (Connection c = harness.connect("agent-copy", "agents")) {
            StringWriter out = new StringWriter();
            c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY customers TO STDOUT", out);
            assertNoClearValue(out.toString());
            assertThat(out.toString()).contains("**** **** **** 4242", "\\N", "Alice Martin");
            StringWriter query = new StringWriter();
            assertThatThrownBy(() -> c.unwrap(PGConnection.class).getCopyAPI()
                    .copyOut("COPY (select * from customers) TO STDOUT", query))
                    .isInstanceOf(SQLException.class).hasMessageContaining("column masking to COPY");
            assertNoClearValue(query.toString());
        }
    }

    @Test
    void uniqueViolationDoesNotQuoteTheValue() throws Exception {
        try (Connection c = harness.connect("agent-dup", "agents"); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("insert into customers (id, email) values (3, 'alice.martin@example.com')"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("23505");
                        String all = e.getMessage() + " " + e.getServerErrorMessage();
                        assertThat(all).doesNotContain("alice.martin@example.com");
                    });
            try (PreparedStatement p = c.prepareStatement("insert into customers (id, email) values (?, ?)")) {
                p.setInt(1, 4);
                p.setString(2, "dave.unique@example.com");
                p.executeUpdate();
                p.setInt(1, 5);
                assertThatThrownBy(p::executeUpdate).isInstanceOfSatisfying(PSQLException.class,
                        e -> assertThat(e.getMessage() + e.getServerErrorMessage())
                                .doesNotContain("dave.unique@example.com"));
            }
        }
    }

    @Test
    void dpoSeesClearValues() throws Exception {
        try (Connection c = harness.connect("dpo-1", "dpo"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select email, card, ssn from customers where id = 1"
                     + " and email <> 'dave.unique@example.com'")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("alice.martin@example.com");
            assertThat(r.getString(2)).isEqualTo("4242 4242 4242 4242");
            assertThat(r.getString(3)).isEqualTo("123-45-6789");
        }
    }

    @Test
    void auditTrailHoldsNoClearValueAndCountsWhatWasMasked() throws Exception {
        try (Connection c = harness.connect("agent-audit", "agents"); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("select * from customers where email = 'carol.white@example.net'"
                    + " or ssn = '512-44-8861'")) {
                assertThat(r.next()).isTrue();
            }
            try (PreparedStatement p = c.prepareStatement("select note from customers where iban = ?")) {
                p.setString(1, "GB82WEST12345698765432");
                p.executeQuery().close();
            }
        }
        try (Connection c = harness.connect("dpo-audit", "dpo"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select email from customers where iban = 'GB82WEST12345698765432'")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("carol.white@example.net"); // clear for the dpo...
        }
        assertThat(harness.audit(AuditQuery.all().withSubject("dpo-audit").withKind("command")))
                .allSatisfy(e -> assertThat(e.statement()).doesNotContain("GB82WEST12345698765432")); // ...not here
        List<AuditRecord> results = awaitMaskedResult("agent-audit");
        assertThat(results).filteredOn(e -> e.details().containsKey("masked"))
                .anySatisfy(e -> assertThat(((Map<?, ?>) e.details().get("masked")).keySet())
                        .map(Object::toString).contains("customer-pii/customers.email", "customer-pii/customers.card"));
        assertThat(harness.audit(AuditQuery.all().withSubject("agent-audit").withKind("command")))
                .anySatisfy(e -> assertThat(e.statement()).contains("[REDACTED]"));
        // Every test's statements are in the store by now or soon; the dpo's too: its results are clear, its audit
        // trail is not (unless-groups exempt results, never the record).
        for (Path file : auditFiles()) {
            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            for (String clear : List.of("carol.white@example.net", "512-44-8861", "GB82WEST12345698765432",
                    "alice.martin@example.com", "dave.unique@example.com")) {
                assertThat(bytes).as(file + " holds " + clear).doesNotContain(clear);
            }
        }
    }

    @Test
    void reloadedRulesApplyToTheNextResultOfAnOpenSession() throws Exception {
        try (Connection c = harness.connect("agent-reload", "agents"); Statement s = c.createStatement()) {
            assertThat(name(s)).isEqualTo("Alice Martin");
            try {
                harness.writeConfig(MASKING.replace("customers.pin: partial", "customers.pin: partial\n"
                        + "      customers.name: redact"));
                assertThat(awaitName(s, "[REDACTED]")).isTrue();
            } finally {
                harness.writeConfig(MASKING);
                assertThat(awaitName(s, "Alice Martin")).isTrue();
            }
        }
    }

    private static String name(Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("select name from customers where id = 1")) {
            r.next();
            return r.getString(1);
        }
    }

    private static boolean awaitName(Statement s, String expected) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (name(s).equals(expected)) {
                return true;
            }
            Thread.sleep(100); // the config watcher polls every 500 ms
        }
        return false;
    }

    private static List<AuditRecord> awaitMaskedResult(String subject) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            List<AuditRecord> result = harness.audit(AuditQuery.all().withSubject(subject)
                    .withKind("command.result"));
            if (result.stream().anyMatch(e -> e.details().containsKey("masked"))) {
                return result;
            }
            Thread.sleep(50); // outcomes are appended asynchronously
        }
        throw new AssertionError("no statement.result with masking counts for " + subject);
    }

    private static List<Path> auditFiles() throws Exception {
        try (Stream<Path> files = Files.list(harness.dataDir())) {
            return files.filter(f -> f.getFileName().toString().startsWith("audit.db")).toList();
        }
    }

    private static void assertNoClearValue(String text) {
        for (String clear : CLEAR) {
            assertThat(text).as("clear value " + clear).doesNotContain(clear);
        }
    }
}
