package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * Issue 9, class 4 end to end: a statement with several effects is audited with every kind it performs, its
 * strongest first ({@code UPDATE+INSERT} for an upsert), and a rule on a secondary kind refuses it.
 */
class MultiKindAuditE2ETest {
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        harness = GatewayHarness.start("""
                policies:
                  - name: no-locks-for-agents
                    groups: [agents]
                    deny:
                      kinds: [LOCK]
                """);
        PolicyE2EFixture.createSchema(harness);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void auditsEveryKindAndDeniesOnASecondaryOne() throws Exception {
        try (Connection c = harness.connect("kinds-audit", List.of("agents"), Map.of("preferQueryMode", "simple"));
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO scratch(id, note) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET note = 'b'"
                    + " WHERE scratch.id = 1");
            s.execute("INSERT INTO scratch(id, note) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET note = 'b'"
                    + " WHERE scratch.id = 1");
            s.execute("CREATE TEMP TABLE k_tmp AS SELECT 1 AS x");
            assertThat(org.assertj.core.api.Assertions.catchThrowable(
                    () -> s.execute("SELECT * FROM items FOR UPDATE")))
                    .hasMessageContaining("denied by Sluice policy rule \"no-locks-for-agents\"");
        }
        List<AuditRecord> trail = harness.audit(AuditQuery.all().withSubject("kinds-audit").withKind("command")
                .withLimit(20));
        assertThat(trail).extracting(r -> r.details().get("command_kind"))
                .contains("UPDATE+INSERT", "CREATE+INSERT+SELECT", "SELECT+LOCK");
        assertThat(PolicyE2EFixture.holds(harness, "(select note from scratch where id = 1) = 'b'")).isTrue();
    }
}
