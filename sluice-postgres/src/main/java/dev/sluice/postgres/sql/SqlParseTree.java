package dev.sluice.postgres.sql;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The libpg_query JSON parse tree of a statement text, for analyses that need more than {@link SqlClassifier}'s
 * facts (masking lineage). Shares nothing with the classifier but the native library: one lazily made
 * {@link PgQueryRunner} per JVM. Thread-safe.
 */
public final class SqlParseTree {
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build())
            .build());
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static PgQueryRunner runner;

    private SqlParseTree() {
    }

    /** The {@code stmts} array of {@code sql}'s parse tree; empty when the parser does not accept it. */
    public static Optional<JsonNode> statements(String sql) {
        if (sql.indexOf('\0') >= 0 || sql.length() > PgQueryRunner.MAX_SQL_BYTES) {
            return Optional.empty();
        }
        if (!(runner().parse(sql.getBytes(StandardCharsets.UTF_8)) instanceof PgQueryResult.Tree(String json))) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(json).path("stmts"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static PgQueryRunner runner() {
        LOCK.lock();
        try {
            if (runner == null) {
                runner = new PgQueryRunner(PgQueryNative.load());
            }
            return runner;
        } finally {
            LOCK.unlock();
        }
    }
}
