package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead log stays bounded while the writer appends without pause, passive checkpoints running beside it:
 * the writer restarts the log once it is past the limit (the passive checkpoints alone never catch up, and the log
 * would grow with every commit: a caller could fill the disk).
 */
class SqliteLogLimitTest {
    private static final long LIMIT = 1L << 20;

    @Test
    void theLogStaysNearItsLimitUnderAWriterThatNeverPauses(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("audit.db");
        AtomicLong largest = new AtomicLong();
        long written = 0;
        SqliteBackend backend = new SqliteBackend(file, SyncMode.NORMAL, LIMIT);
        try (Connection writer = backend.openWriter(); Statement s = writer.createStatement()) {
            s.execute("CREATE TABLE t (v BLOB)");
            byte[] row = new byte[16 << 10];
            Path wal = dir.resolve("audit.db-wal");
            try (PreparedStatement insert = writer.prepareStatement("INSERT INTO t VALUES (?)")) {
                // a fixed amount, not a fixed time: a slow machine writes less in a given time (CI wrote 56 MB in 2 s)
                while (written < 64 * LIMIT) {
                    backend.beginWrite(writer);
                    for (int i = 0; i < 4; i++) {
                        insert.setBytes(1, row);
                        insert.executeUpdate();
                    }
                    backend.commit(writer);
                    written += 4L * row.length;
                    largest.accumulateAndGet(Files.size(wal), Math::max);
                }
            }
        } finally {
            backend.close();
        }
        // the writer wrote far more than the limit; the log never held more than a few limits' worth
        assertThat(largest.get()).isLessThan(24 * LIMIT);
    }
}
