package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;

/**
 * A trail written before statements became protocol-neutral {@code command} events: its rows, stored and hash-chained
 * as {@code statement} and {@code statement.result}, still verify, read as {@code command} and {@code command.result},
 * and are found under either name; new events follow them on the same chain.
 */
class LegacyKindsTest {
    @TempDir
    Path dir;

    @Test
    void anOlderTrailVerifiesAndReadsUnderTheCurrentNames() throws Exception {
        Path file = dir.resolve("audit.db");
        SqliteAuditLog.open(file, Events.CLOCK).close(); // the schema, as an older version created it
        writeLegacyRows(file);

        try (SqliteAuditLog log = SqliteAuditLog.open(file, Events.CLOCK)) {
            log.append(Events.statement(3)); // written today: `command`
            assertThat(log.verify().ok()).as(log.verify().message()).isTrue();
            List<AuditRecord> all = log.query(AuditQuery.all());
            assertThat(all).extracting(AuditRecord::kind)
                    .containsExactly("command", "command.result", "command");
            assertThat(log.query(AuditQuery.all().withKind("command"))).hasSize(2);
            assertThat(log.query(AuditQuery.all().withKind("statement"))).hasSize(2);
            assertThat(log.query(AuditQuery.all().withKind("command.result"))).hasSize(1);
        }
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             var rows = raw.createStatement().executeQuery("SELECT kind FROM audit_event ORDER BY seq")) {
            List<String> stored = new java.util.ArrayList<>();
            while (rows.next()) {
                stored.add(rows.getString(1));
            }
            assertThat(stored).as("rows keep the names they were chained with")
                    .containsExactly("statement", "statement.result", "command");
        }
    }

    /** Two rows chained exactly as an older version wrote them (kinds `statement` and `statement.result`). */
    private static void writeLegacyRows(Path file) throws Exception {
        ChainHash chain = new ChainHash();
        AuditRow first = chain.link(1, ChainHash.GENESIS, new EventFields(1_000, "statement", "s-1", "alice",
                "[\"dev\"]", "orders", "SELECT 1", "allow", -1, "", "{}"));
        AuditRow second = chain.link(2, first.hash(), new EventFields(2_000, "statement.result", "s-1", "alice",
                "[\"dev\"]", "orders", "", "", 1, "", "{}"));
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             PreparedStatement insert = raw.prepareStatement("INSERT INTO audit_event (" + AuditTable.COLUMNS
                     + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            for (AuditRow row : List.of(first, second)) {
                AuditTable.bind(insert, row);
                insert.executeUpdate();
            }
        }
    }
}
