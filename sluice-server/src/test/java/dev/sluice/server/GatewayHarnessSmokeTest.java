package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.testing.Cli;

class GatewayHarnessSmokeTest {
    private static GatewayHarness harness;

    @BeforeAll
    static void start() {
        harness = GatewayHarness.start("");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void pgjdbcQueryRunsThroughSluiceAndIsAudited() throws Exception {
        try (Connection c = harness.connect("agent-1", "agents"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select current_user, 40 + 2")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("app");
            assertThat(r.getInt(2)).isEqualTo(42);
        }
        assertThat(harness.audit(AuditQuery.all().withSubject("agent-1").withKind("command")))
                .anySatisfy(e -> assertThat(e.statement()).isEqualTo("select current_user, 40 + 2"));
    }

    @Test
    void psqlRunsThroughSluice() {
        Cli.Result result = harness.psql(harness.token("agent-2", "agents"), "-At", "-c", "select 'hello'");
        assertThat(result.stderr()).isEmpty();
        assertThat(result.stdout().strip()).isEqualTo("hello");
    }
}
