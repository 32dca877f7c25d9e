package dev.sluice.postgres.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.config.LimitsConfig;
import dev.sluice.core.policy.SqlCommand;

/**
 * Classifies PostgreSQL SQL with the real PostgreSQL parser (libpg_query, PostgreSQL 15 grammar) into
 * protocol-neutral {@link Command}s, one per statement. Thread-safe; share one instance.
 * <p>
 * <b>Kinds.</b> SELECT, INSERT, UPDATE, DELETE, MERGE, CREATE, ALTER, DROP, TRUNCATE, COMMENT, GRANT, REVOKE, COPY
 * (to STDOUT / from STDIN), COPY_PROGRAM, COPY_FILE, SET_ROLE, SET, SHOW, ALTER_SYSTEM, DO, CALL, CREATE_FUNCTION
 * (functions and procedures), CREATE_RULE, CREATE_TRIGGER (also event triggers), TRANSACTION, EXPLAIN, EXECUTE,
 * DEALLOCATE, LISTEN, NOTIFY, UNLISTEN, VACUUM, ANALYZE, REINDEX, CLUSTER, LOCK, DISCARD, FETCH (also MOVE), CLOSE,
 * REFRESH, OTHER (parsed, not listed, e.g. CHECKPOINT, LOAD, SECURITY LABEL) and {@link Command#UNKNOWN}.
 * <p>
 * <b>Rules.</b>
 * <ul>
 *   <li>A statement that runs another takes its kind: {@code EXPLAIN ANALYZE s} (plain EXPLAIN does not run and is
 *       EXPLAIN), {@code PREPARE p AS s}, {@code DECLARE c CURSOR FOR s}; {@code COPY (DELETE .. RETURNING *) TO
 *       STDOUT} is DELETE.</li>
 *   <li>In the DML family the strictest data-modifying statement anywhere wins, CTEs included:
 *       DELETE &gt; UPDATE &gt; MERGE &gt; INSERT &gt; SELECT. {@code SELECT .. INTO t} creates a table: CREATE.</li>
 *   <li>{@code hasWhere} is true only for UPDATE/DELETE whose every UPDATE/DELETE node has a WHERE clause. Any WHERE
 *       counts, {@code WHERE true} included (the parser does not judge predicates); {@code WHERE CURRENT OF}
 *       counts.</li>
 *   <li>SET_ROLE is {@code SET [LOCAL|SESSION] ROLE}, {@code SET SESSION AUTHORIZATION}, {@code RESET ROLE},
 *       {@code RESET SESSION AUTHORIZATION}, in any quoting or case. {@code RESET ALL} is SET: PostgreSQL marks both
 *       settings {@code GUC_NO_RESET_ALL}, so it changes no role. {@code SET TRANSACTION ..} is SET.</li>
 *   <li>{@code tables} are the relations named anywhere (RangeVar nodes, and the relations of DROP TABLE/VIEW/
 *       INDEX/SEQUENCE), joined with '.' when qualified, in the case the parser resolved (unquoted names folded to
 *       lower case, quoted names kept). References to a CTE in scope are not tables. {@code functions} are the
 *       called functions anywhere (and a trigger's function), lower-cased, without schema; see
 *       {@link DangerousFunctions}.</li>
 *   <li>{@code opaque} is true for DO, CALL, CREATE_FUNCTION, CREATE_RULE, CREATE_TRIGGER and LOAD.</li>
 *   <li>Unparsable input (syntax errors, PostgreSQL 16+ syntax, NUL characters) is one UNKNOWN command holding the
 *       whole text with {@code statementCount} 1. {@link #classify} never throws: an internal failure also yields
 *       UNKNOWN.</li>
 *   <li>A string over a bound of its {@link LimitsConfig} (bytes, tokens, estimated nesting depth; checked before
 *       the parse tree is built) is not parsed: its classification carries a {@link Classification#refusal}
 *       ("statement too large to judge: N bytes (max M)", "statement too complex to judge: ..."), and one UNKNOWN
 *       command holding only the head of the text.</li>
 *   <li>Each command carries every kind it performs ({@link Command#kinds}: an upsert is UPDATE and INSERT, a
 *       {@code SELECT .. FOR UPDATE} SELECT and LOCK, {@code COPY .. FROM} COPY and INSERT, {@code CREATE TABLE ..
 *       AS} CREATE, INSERT and SELECT, MERGE each action's kind, ...), its {@code kind} being the strongest; see
 *       {@link SqlClassifierKinds} and docs/policy.md.</li>
 * </ul>
 * <p>
 * <b>Cache.</b> Results of texts the parser accepted are memoized by exact text in a bounded
 * {@link ClassificationCache} (by default {@value #DEFAULT_CACHE_ENTRIES} entries of at most 8 KiB of text each):
 * classification is a pure function of the text, and clients repeat the same texts.
 */
public final class SqlClassifier {

    private static final Logger LOG = LoggerFactory.getLogger(SqlClassifier.class);
    private static final String PROTOCOL = "postgres";
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build())
            .build());

    /** One native binding and parser thread pool per JVM, made by the first successful {@link #create()}. */
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static PgQueryRunner shared;

    /** PostgreSQL's {@code CURSOR_OPT_HOLD} bit of {@code DeclareCursorStmt.options}. */
    private static final int CURSOR_OPT_HOLD = 0x0020;

    /**
     * Every kind {@link #classify} can give a command (primary or secondary), {@link Command#UNKNOWN} excepted: the
     * vocabulary policy rules are checked against, so that a misspelt kind is a config error, not a dead rule.
     */
    public static final Set<String> KINDS = Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE",
            "ALTER", "DROP", "TRUNCATE", "COMMENT", "GRANT", "REVOKE", "COPY", "COPY_PROGRAM", "COPY_FILE", "SET_ROLE",
            "SET", "SHOW", "ALTER_SYSTEM", "DO", "CALL", "CREATE_FUNCTION", "CREATE_RULE", "CREATE_TRIGGER",
            "TRANSACTION", "EXPLAIN", "EXECUTE", "DEALLOCATE", "LISTEN", "NOTIFY", "UNLISTEN", "VACUUM", "ANALYZE",
            "REINDEX", "CLUSTER", "LOCK", "DISCARD", "FETCH", "CLOSE", "REFRESH", "OTHER");

    /** Entries of the classification cache of {@link #create()}. */
    public static final int DEFAULT_CACHE_ENTRIES = 4096;

    /** Characters of a refused statement's text kept in its command. */
    static final int REFUSED_TEXT_CHARS = 1024;

    private final PgQueryRunner runner;
    private final ClassificationCache cache;
    private final LimitsConfig limits;

    private SqlClassifier(PgQueryRunner runner, int cacheEntries, LimitsConfig limits) {
        this.runner = runner;
        this.cache = new ClassificationCache(cacheEntries);
        this.limits = limits;
    }

    /**
     * Loads libpg_query (the path in system property {@code sluice.pgquery.library}, the Debian paths, then the
     * system library path).
     *
     * @throws dev.sluice.core.SluiceException "libpg_query not found: install libpg-query-dev" when it cannot be
     *                                         loaded: the gateway must not run without a classifier
     */
    public static SqlClassifier create() {
        return create(DEFAULT_CACHE_ENTRIES);
    }

    /**
     * As {@link #create()}, with a classification cache of {@code cacheEntries} entries ({@code 0}: no cache).
     *
     * @throws IllegalArgumentException when {@code cacheEntries} is negative
     */
    public static SqlClassifier create(int cacheEntries) {
        return create(cacheEntries, LimitsConfig.defaults());
    }

    /** As {@link #create(int)}, refusing statements over {@code limits} (see the class comment). */
    public static SqlClassifier create(int cacheEntries, LimitsConfig limits) {
        Objects.requireNonNull(limits, "limits");
        LOCK.lock();
        try {
            if (shared == null) {
                shared = new PgQueryRunner(PgQueryNative.load());
            }
            return new SqlClassifier(shared, cacheEntries, limits);
        } finally {
            LOCK.unlock();
        }
    }

    /** Classifies {@code sql}; see the class comment. */
    public Classification classify(String sql) {
        Objects.requireNonNull(sql, "sql");
        Optional<Classification> cached = cache.get(sql);
        if (cached.isPresent()) {
            return cached.get();
        }
        try {
            Optional<Classification> parsed = classifyParsed(sql);
            // only what the parser accepted is cached: a failure may be transient (interruption, no thread)
            parsed.ifPresent(result -> cache.put(sql, result));
            return parsed.orElseGet(() -> unknown(sql));
        } catch (RuntimeException e) {
            // fail closed: a classifier defect must not let a statement through as anything but unknown
            LOG.warn("SQL classification failed ({}); treating the statement as unknown", e.getClass().getName());
            return unknown(sql);
        }
    }

    /** The classification of a text the parser accepted; empty when it did not (the statement is unknown). */
    private Optional<Classification> classifyParsed(String sql) {
        if (sql.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        long length = utf8Length(sql);
        if (length > limits.maxStatementBytes()) {
            // counted without encoding: a huge text costs no copy (fail closed)
            return Optional.of(refused(sql, "statement too large to judge: " + length + " bytes (max "
                    + limits.maxStatementBytes() + ")"));
        }
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        PgQueryResult result = runner.parse(bytes, limits);
        if (result instanceof PgQueryResult.Refused(String message)) {
            return Optional.of(refused(sql, message));
        }
        if (!(result instanceof PgQueryResult.Tree(String json))) {
            return Optional.empty();
        }
        JsonNode stmts = readTree(json).path("stmts");
        List<SqlCommand> commands = new ArrayList<>(stmts.size());
        List<PreparedRef> prepared = new ArrayList<>();
        for (JsonNode raw : stmts) {
            JsonNode statement = raw.path("stmt");
            SqlClassifierWalker.Facts facts = SqlClassifierWalker.walk(statement);
            String kind = SqlClassifierKinds.kind(statement, facts);
            boolean opaque = SqlClassifierKinds.OPAQUE.contains(kind) || statement.has("LoadStmt");
            commands.add(new SqlCommand(PROTOCOL, kind, text(bytes, raw), facts.tables(), facts.functions(),
                    SqlClassifierKinds.hasWhere(kind, facts), opaque, stmts.size(),
                    SqlClassifierKinds.kinds(statement, facts, kind)));
            references(statement, facts, commands.size() - 1, prepared);
        }
        return Optional.of(new Classification(commands, prepared, SessionSettingsWalker.refusal(stmts)));
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable libpg_query JSON", e);
        }
    }

    /** The statement's own text: {@code stmt_location}/{@code stmt_len} are UTF-8 byte offsets, 0 length = to end. */
    private static String text(byte[] sql, JsonNode raw) {
        int location = raw.path("stmt_location").asInt(0);
        int length = raw.path("stmt_len").asInt(0);
        if (location < 0 || location > sql.length || length < 0 || length > sql.length - location) {
            throw new IllegalStateException("statement bounds outside the input");
        }
        int end = length == 0 ? sql.length : location + length;
        return new String(sql, location, end - location, StandardCharsets.UTF_8).strip();
    }

    /** The names a statement creates, runs or drops (see {@link PreparedRef}), in order. */
    private static void references(JsonNode statement, SqlClassifierWalker.Facts facts, int index,
                                   List<PreparedRef> prepared) {
        if (statement.has("PrepareStmt")) {
            prepared.add(new PreparedRef(PreparedRef.Action.PREPARE,
                    statement.path("PrepareStmt").path("name").asText(""), index));
        }
        if (statement.has("DeallocateStmt")) {
            prepared.add(new PreparedRef(PreparedRef.Action.DEALLOCATE,
                    statement.path("DeallocateStmt").path("name").asText(""), index));
        }
        JsonNode declare = statement.path("DeclareCursorStmt");
        if (declare.isObject()) {
            boolean hold = (declare.path("options").asInt(0) & CURSOR_OPT_HOLD) != 0;
            prepared.add(new PreparedRef(hold ? PreparedRef.Action.DECLARE_HOLD : PreparedRef.Action.DECLARE,
                    declare.path("portalname").asText(""), index));
        }
        if (statement.has("FetchStmt")) {
            prepared.add(new PreparedRef(PreparedRef.Action.FETCH,
                    statement.path("FetchStmt").path("portalname").asText(""), index));
        }
        if (statement.has("ClosePortalStmt")) {
            prepared.add(new PreparedRef(PreparedRef.Action.CLOSE,
                    statement.path("ClosePortalStmt").path("portalname").asText(""), index));
        }
        JsonNode transaction = statement.path("TransactionStmt");
        PreparedRef.Action savepoint = switch (transaction.path("kind").asText("")) {
            case "TRANS_STMT_SAVEPOINT" -> PreparedRef.Action.SAVEPOINT;
            case "TRANS_STMT_RELEASE" -> PreparedRef.Action.RELEASE;
            case "TRANS_STMT_ROLLBACK_TO" -> PreparedRef.Action.ROLLBACK_TO;
            default -> null;
        };
        if (savepoint != null) {
            prepared.add(new PreparedRef(savepoint, transaction.path("savepoint_name").asText(""), index));
        }
        if (statement.path("DiscardStmt").path("target").asText("").equals("DISCARD_ALL")) {
            prepared.add(new PreparedRef(PreparedRef.Action.DISCARD_ALL, "", index));
        }
        for (String name : facts.executed()) {
            prepared.add(new PreparedRef(PreparedRef.Action.EXECUTE, name, index));
        }
    }

    private static long utf8Length(String sql) {
        long result = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c < 0x80) {
                result++;
            } else if (c < 0x800) {
                result += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < sql.length()
                    && Character.isLowSurrogate(sql.charAt(i + 1))) {
                result += 4;
                i++;
            } else {
                result += 3; // a lone surrogate is encoded as '?' (1 byte): counting 3 only over-estimates
            }
        }
        return result;
    }

    /** A refusal: the text is kept only up to {@link #REFUSED_TEXT_CHARS} characters, the statement never judged. */
    private static Classification refused(String sql, String reason) {
        String head = sql.length() <= REFUSED_TEXT_CHARS ? sql : sql.substring(0, REFUSED_TEXT_CHARS) + "...";
        SqlCommand command = new SqlCommand(PROTOCOL, SqlCommand.UNKNOWN, head, Set.of(), Set.of(), false, false, 1);
        return new Classification(List.of(command), List.of(), Optional.of(reason));
    }

    private static Classification unknown(String sql) {
        SqlCommand command = new SqlCommand(PROTOCOL, SqlCommand.UNKNOWN, sql, Set.of(), Set.of(), false, false, 1);
        return new Classification(List.of(command), List.of());
    }
}
