package dev.sluice.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.spi.Dialer;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrontendMessage;

/**
 * A small upstream connection of Sluice's own for catalog lookups, opened lazily with the session's grant on the
 * first query and kept for the session, so that no query is ever injected into the client's stream. A query that
 * fails closes the connection (the next one opens a new one) and throws: callers fail closed. Thread-safe: a lock
 * keeps concurrent queries apart on the one connection.
 */
final class CatalogConnection implements AutoCloseable {
    private final TargetGrant grant;
    private final Dialer dialer;
    private final String applicationName;
    private final ReentrantLock lock = new ReentrantLock();
    private PostgresUpstream connection;

    CatalogConnection(TargetGrant grant, Dialer dialer, String applicationName) {
        this.grant = grant;
        this.dialer = dialer;
        this.applicationName = applicationName;
    }

    /**
     * Runs {@code sql} (simple protocol) and returns at most {@code maxRows} rows, each value as text ({@code ""} for
     * NULL).
     *
     * @throws IOException when the connection fails or the server answers with an error
     */
    List<String[]> query(String sql, int maxRows) throws IOException {
        lock.lock();
        try {
            if (connection == null) {
                // jit off: the planner prices the catalog queries' correlated subqueries high enough to JIT-compile
                // them, which costs the server about 250 ms per query and runs for microseconds
                connection = PostgresUpstream.connect(grant, dialer, Map.of("application_name", applicationName,
                        "jit", "off"));
            }
            connection.writer().write(new FrontendMessage.Query(sql));
            connection.writer().flush();
            List<String[]> result = new ArrayList<>();
            String error = null;
            while (true) {
                Frame frame = connection.reader().read();
                switch (frame.type()) {
                    case 'D' -> {
                        if (result.size() < maxRows) {
                            result.add(text(((BackendMessage.DataRow) BackendMessage.decode(frame)).values()));
                        }
                    }
                    case 'E' -> error = ((BackendMessage.ErrorResponse) BackendMessage.decode(frame)).sqlState();
                    case 'Z' -> {
                        if (error != null) {
                            throw new IOException("catalog lookup failed (SQLSTATE " + error + ")");
                        }
                        return result;
                    }
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? io : new IOException("catalog lookup failed", e);
        } finally {
            lock.unlock();
        }
    }

    private static String[] text(byte[][] values) {
        String[] result = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i] == null ? "" : new String(values[i], StandardCharsets.UTF_8);
        }
        return result;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
