package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * The audit trail of one real pgjdbc session, as stored and as {@code sluice audit --json} prints it: who started
 * the session from where, every statement with its parameters and kind, every outcome with rows, SQLSTATE and
 * duration, and the bytes of the session's end.
 */
class PostgresAuditTrailE2ETest {
    private static GatewayHarness harness;
    private static String extendedSession;
    private static String simpleSession;

    @BeforeAll
    static void start() throws Exception {
        harness = GatewayHarness.start("");
        try (Connection c = harness.connect("auditor", List.of("agents", "sre"),
                // assumeMinServerVersion: pgjdbc then sends application_name in the startup packet, not as a SET
                Map.of("ApplicationName", "audit-e2e-app", "assumeMinServerVersion", "10"));
             Statement s = c.createStatement()) {
            s.execute("create table audited (id int, label text)");
            try (PreparedStatement p = c.prepareStatement("insert into audited values (?, ?)")) {
                for (int i = 1; i <= 3; i++) {
                    p.setInt(1, i);
                    p.setString(2, "label " + i);
                    p.executeUpdate();
                }
            }
            assertThat(s.executeUpdate("update audited set label = 'x' where id >= 2")).isEqualTo(2);
            try (ResultSet r = s.executeQuery("select * from audited, pg_sleep(0.2)")) {
                while (r.next()) {
                    r.getInt(1);
                }
            }
            assertThatThrownBy(() -> s.execute("select 1/0")).isInstanceOf(SQLException.class);
        }
        try (Connection c = harness.connect("auditor-simple", List.of("agents"),
                Map.of("preferQueryMode", "simple"));
             Statement s = c.createStatement(); ResultSet r = s.executeQuery("select g from generate_series(1, 7) g")) {
            while (r.next()) {
                r.getInt(1);
            }
        }
        extendedSession = awaitSessionEnd("auditor").session();
        simpleSession = awaitSessionEnd("auditor-simple").session();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void sessionStartRecordsWhoFromWhereWithWhichClient() {
        AuditRecord start = only(events(extendedSession, "session.start"));
        assertThat(start.subject()).isEqualTo("auditor");
        assertThat(start.groups()).containsExactly("agents", "sre");
        assertThat(start.connection()).isEqualTo("orders");
        assertThat(start.details()).containsEntry("principal_kind", "human")
                .containsEntry("client_address", "127.0.0.1")
                .containsEntry("application_name", "audit-e2e-app")
                .containsEntry("protocol", "postgres")
                .containsEntry("claimed_user", "auditor")
                .containsEntry("issuer", harness.oidc().issuer(GatewayHarness.ISSUER_ID).toString());
    }

    @Test
    void extendedProtocolStatementsRecordTheParseTextAndBoundValues() {
        List<AuditRecord> inserts = events(extendedSession, "command").stream()
                .filter(e -> e.statement().equals("insert into audited values ($1, $2)")).toList();
        assertThat(inserts).hasSize(3).allSatisfy(e -> {
            assertThat(e.verdict()).isEqualTo("allow");
            assertThat(e.details()).containsEntry("command_kind", "INSERT");
        });
        assertThat(inserts).extracting(e -> e.details().get("parameters"))
                .containsExactly(List.of("1", "label 1"), List.of("2", "label 2"), List.of("3", "label 3"));
        AuditRecord insertResult = resultOf(inserts.getFirst());
        assertThat(insertResult.rows()).isEqualTo(1);
        assertThat(insertResult.details()).containsEntry("tag", "INSERT 0 1").containsEntry("sqlstate", "");
    }

    @Test
    void resultsRecordRowsErrorsAndDuration() {
        List<AuditRecord> statements = events(extendedSession, "command");
        AuditRecord update = statements.stream().filter(e -> e.statement().startsWith("update audited")).findFirst()
                .orElseThrow();
        assertThat(update.details()).containsEntry("command_kind", "UPDATE");
        assertThat(resultOf(update).rows()).isEqualTo(2);

        AuditRecord slow = statements.stream().filter(e -> e.statement().contains("pg_sleep")).findFirst()
                .orElseThrow();
        AuditRecord slowResult = resultOf(slow);
        assertThat(slowResult.rows()).isEqualTo(3);
        assertThat(((Number) slowResult.details().get("duration_ms")).longValue()).isGreaterThanOrEqualTo(200);

        AuditRecord failing = statements.stream().filter(e -> e.statement().equals("select 1/0")).findFirst()
                .orElseThrow();
        assertThat(failing.verdict()).isEqualTo("allow");
        AuditRecord failed = resultOf(failing);
        assertThat(failed.details()).containsEntry("sqlstate", "22012");
        assertThat(failed.error()).contains("division by zero");
        assertThat(failed.rows()).isEqualTo(-1);
    }

    @Test
    void simpleProtocolStatementIsRecordedWithItsRows() {
        AuditRecord statement = events(simpleSession, "command").stream()
                .filter(e -> e.statement().equals("select g from generate_series(1, 7) g")).findFirst().orElseThrow();
        assertThat(statement.details()).containsEntry("command_kind", "SELECT")
                .containsEntry("parameters", List.of());
        assertThat(resultOf(statement).rows()).isEqualTo(7);
    }

    @Test
    void sessionEndRecordsBytesEachWay() {
        AuditRecord end = only(events(extendedSession, "session.end"));
        long fromClient = ((Number) end.details().get("bytes_from_client")).longValue();
        long toClient = ((Number) end.details().get("bytes_to_client")).longValue();
        assertThat(fromClient).isGreaterThan(200);
        assertThat(toClient).isGreaterThan(200);
        assertThat(end.details().get("reason")).isEqualTo("client terminated");
    }

    @Test
    void auditCommandPrintsOneJsonObjectPerLine() throws Exception {
        StringWriter out = new StringWriter();
        int code = SluiceCli.commandLine().setOut(new PrintWriter(out)).execute("audit", "--config",
                harness.configFile().toString(), "--json");
        assertThat(code).isZero();
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().lines().toList()) {
            lines.add(json.readTree(line));
        }
        assertThat(lines).isNotEmpty().allSatisfy(node -> assertThat(node.isObject()).isTrue()).allSatisfy(node ->
                assertThat(node.has("time") && node.has("session") && node.has("kind") && node.has("subject")
                        && node.has("groups") && node.has("connection") && node.has("statement")
                        && node.has("verdict") && node.has("rows") && node.has("error")).isTrue());
        List<JsonNode> ours = lines.stream().filter(n -> n.get("session").asText().equals(extendedSession)).toList();
        assertThat(ours).extracting(n -> n.get("kind").asText())
                .startsWith("session.start").endsWith("session.end")
                .contains("command", "command.result");
        assertThat(ours).anySatisfy(n -> {
            assertThat(n.get("kind").asText()).isEqualTo("command");
            assertThat(n.get("statement").asText()).isEqualTo("select 1/0");
            assertThat(n.get("verdict").asText()).isEqualTo("allow");
            assertThat(n.get("subject").asText()).isEqualTo("auditor");
            assertThat(n.get("groups").toString()).isEqualTo("[\"agents\",\"sre\"]");
            assertThat(n.get("connection").asText()).isEqualTo("orders");
        });
        assertThat(ours).anySatisfy(n -> {
            assertThat(n.get("kind").asText()).isEqualTo("command.result");
            assertThat(n.get("error").asText()).contains("division by zero");
        });
        assertThat(ours).anySatisfy(n -> assertThat(n.get("rows").asLong()).isEqualTo(2));
        assertThat(java.time.Instant.parse(ours.getFirst().get("time").asText())).isNotNull();
    }

    private static List<AuditRecord> events(String session, String kind) {
        return harness.audit(AuditQuery.all().withSession(session).withKind(kind));
    }

    private static AuditRecord resultOf(AuditRecord statement) {
        Object id = statement.details().get("statement_id");
        return only(events(statement.session(), "command.result").stream()
                .filter(e -> e.details().get("statement_id").equals(id)).toList());
    }

    private static AuditRecord only(List<AuditRecord> records) {
        assertThat(records).hasSize(1);
        return records.getFirst();
    }

    /** session.end is appended without waiting for durability, after the client's close returned: poll briefly. */
    private static AuditRecord awaitSessionEnd(String subject) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<AuditRecord> ends = harness.audit(AuditQuery.all().withSubject(subject).withKind("session.end"));
            if (!ends.isEmpty()) {
                return ends.getFirst();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no session.end for " + subject);
            }
            Thread.sleep(50);
        }
    }
}
