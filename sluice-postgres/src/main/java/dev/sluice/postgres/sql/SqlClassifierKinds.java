package dev.sluice.postgres.sql;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Maps a parsed statement to its upper-case primary kind and to every kind it performs (see {@link SqlClassifier} for
 * the list and the rules).
 * <p>
 * Statements that wrap another one take the wrapped statement's kind when it runs: {@code EXPLAIN ANALYZE},
 * {@code PREPARE}, {@code DECLARE ... CURSOR FOR}. Within the DML family the strictest data-modifying effect anywhere
 * in the statement wins (DELETE &gt; UPDATE &gt; MERGE &gt; INSERT &gt; SELECT), which catches data-modifying CTEs and
 * upserts; a MERGE whose actions delete or update is a DELETE or UPDATE (without a WHERE), one that only inserts stays
 * MERGE. {@code CREATE TABLE .. AS} and {@code SELECT .. INTO} that run a DELETE or UPDATE (in a CTE) take that kind.
 * <p>
 * An EXPLAIN analyses when any of its ANALYZE options is not spelled false: PostgreSQL takes the last of repeated
 * options ({@code EXPLAIN (ANALYZE false, ANALYZE true)} runs), and a value it would reject is judged as running too
 * (fail closed).
 */
public final class SqlClassifierKinds {

    /** The kinds whose statement runs or installs code that cannot be judged in advance. */
    static final Set<String> OPAQUE = Set.of("DO", "CALL", "CREATE_FUNCTION", "CREATE_RULE", "CREATE_TRIGGER");

    private static final List<String> DML_ORDER = List.of("SELECT", "INSERT", "MERGE", "UPDATE", "DELETE");
    private static final Set<String> ROLE_SETTINGS = Set.of("role", "session_authorization");
    /** An option spelled false, as PostgreSQL's defGetBoolean reads it (case-insensitive); anything else runs. */
    private static final Set<String> FALSE_WORDS = Set.of("false", "off");

    private static final Map<String, String> FIXED = Map.ofEntries(
            Map.entry("AlterSystemStmt", "ALTER_SYSTEM"),
            Map.entry("TruncateStmt", "TRUNCATE"),
            Map.entry("CommentStmt", "COMMENT"),
            Map.entry("DoStmt", "DO"),
            Map.entry("CallStmt", "CALL"),
            Map.entry("CreateFunctionStmt", "CREATE_FUNCTION"),
            Map.entry("RuleStmt", "CREATE_RULE"),
            Map.entry("CreateTrigStmt", "CREATE_TRIGGER"),
            Map.entry("CreateEventTrigStmt", "CREATE_TRIGGER"),
            Map.entry("TransactionStmt", "TRANSACTION"),
            Map.entry("ExecuteStmt", "EXECUTE"),
            Map.entry("DeallocateStmt", "DEALLOCATE"),
            Map.entry("ListenStmt", "LISTEN"),
            Map.entry("NotifyStmt", "NOTIFY"),
            Map.entry("UnlistenStmt", "UNLISTEN"),
            Map.entry("ReindexStmt", "REINDEX"),
            Map.entry("ClusterStmt", "CLUSTER"),
            Map.entry("LockStmt", "LOCK"),
            Map.entry("DiscardStmt", "DISCARD"),
            Map.entry("FetchStmt", "FETCH"),
            Map.entry("ClosePortalStmt", "CLOSE"),
            Map.entry("RefreshMatViewStmt", "REFRESH"),
            Map.entry("VariableShowStmt", "SHOW"),
            Map.entry("ConstraintsSetStmt", "SET"),
            Map.entry("ViewStmt", "CREATE"),
            Map.entry("IndexStmt", "CREATE"),
            Map.entry("DefineStmt", "CREATE"),
            Map.entry("CompositeTypeStmt", "CREATE"),
            Map.entry("ImportForeignSchemaStmt", "CREATE"),
            Map.entry("RenameStmt", "ALTER"),
            Map.entry("ReassignOwnedStmt", "ALTER"));

    private SqlClassifierKinds() {
    }

    /** The kind of {@code statement}, a wrapped node such as {@code {"DeleteStmt": {...}}}. */
    static String kind(JsonNode statement, SqlClassifierWalker.Facts facts) {
        if (!statement.isObject() || statement.size() != 1) {
            return "OTHER";
        }
        Map.Entry<String, JsonNode> node = statement.properties().iterator().next();
        String type = node.getKey();
        JsonNode body = node.getValue();
        String fixed = FIXED.get(type);
        if (fixed != null) {
            return fixed;
        }
        String result = switch (type) {
            case "SelectStmt" -> body.has("intoClause") ? destructive("CREATE", facts) : strictest("SELECT", facts);
            case "CreateTableAsStmt" -> destructive("CREATE", facts);
            case "InsertStmt" -> strictest("INSERT", facts);
            case "UpdateStmt" -> strictest("UPDATE", facts);
            case "DeleteStmt" -> strictest("DELETE", facts);
            case "MergeStmt" -> strictest("MERGE", facts);
            case "ExplainStmt" -> analyzes(body) ? kind(body.path("query"), facts) : "EXPLAIN";
            case "PrepareStmt", "DeclareCursorStmt" -> kind(body.path("query"), facts);
            case "CopyStmt" -> copy(body, facts);
            case "VariableSetStmt" -> set(body);
            case "GrantStmt", "GrantRoleStmt" -> grant(body);
            case "AlterDefaultPrivilegesStmt" -> grant(body.path("action"));
            case "VacuumStmt" -> body.path("is_vacuumcmd").asBoolean(false) ? "VACUUM" : "ANALYZE";
            default -> byPrefix(type);
        };
        return result;
    }

    /**
     * Every kind {@code statement} performs, {@code kind} (its {@link #kind}) first: each data-modifying effect
     * anywhere, LOCK for a locking clause, INSERT and SELECT for a statement that fills a table from a query, INSERT
     * for {@code COPY .. FROM}, ALTER for {@code ALTER DEFAULT PRIVILEGES}, ANALYZE for {@code VACUUM (ANALYZE)}. A
     * plain EXPLAIN runs nothing and is only EXPLAIN.
     */
    static Set<String> kinds(JsonNode statement, SqlClassifierWalker.Facts facts, String kind) {
        Set<String> result = new LinkedHashSet<>();
        result.add(kind);
        if (!statement.isObject() || statement.size() != 1) {
            return result;
        }
        Map.Entry<String, JsonNode> node = statement.properties().iterator().next();
        JsonNode body = node.getValue();
        switch (node.getKey()) {
            case "ExplainStmt" -> {
                if (!analyzes(body)) {
                    return result;
                }
                result.add("EXPLAIN");
                result.addAll(kinds(body.path("query"), facts, kind));
            }
            case "PrepareStmt", "DeclareCursorStmt" -> result.addAll(kinds(body.path("query"), facts, kind));
            case "SelectStmt" -> {
                if (body.has("intoClause")) {
                    result.addAll(List.of("CREATE", "INSERT", "SELECT"));
                }
            }
            // WITH NO DATA creates the table without running the query (checked on PostgreSQL 15)
            case "CreateTableAsStmt" -> result.addAll(body.path("into").path("skipData").asBoolean(false)
                    ? List.of("CREATE") : List.of("CREATE", "INSERT", "SELECT"));
            case "RefreshMatViewStmt" -> result.addAll(body.path("skipData").asBoolean(false)
                    ? List.of() : List.of("INSERT", "SELECT"));
            case "CopyStmt" -> {
                if (body.path("is_from").asBoolean(false)) {
                    result.add("INSERT");
                }
            }
            case "AlterDefaultPrivilegesStmt" -> result.add("ALTER");
            case "VacuumStmt" -> {
                if (option(body, "analyze")) {
                    result.add("ANALYZE");
                }
            }
            default -> { }
        }
        facts.dml().forEach(d -> result.add(d.kind()));
        if (facts.locks()) {
            result.add("LOCK");
        }
        return result;
    }

    static boolean hasWhere(String kind, SqlClassifierWalker.Facts facts) {
        if (!kind.equals("UPDATE") && !kind.equals("DELETE")) {
            return false;
        }
        return facts.dml().stream().filter(d -> d.kind().equals("UPDATE") || d.kind().equals("DELETE"))
                .allMatch(SqlClassifierWalker.Dml::hasWhere);
    }

    private static String strictest(String base, SqlClassifierWalker.Facts facts) {
        int rank = DML_ORDER.indexOf(base);
        for (SqlClassifierWalker.Dml dml : facts.dml()) {
            rank = Math.max(rank, DML_ORDER.indexOf(dml.kind()));
        }
        return DML_ORDER.get(rank);
    }

    /** A CREATE TABLE AS or SELECT INTO that runs a DELETE or UPDATE (in a CTE) is judged as that write. */
    private static String destructive(String kind, SqlClassifierWalker.Facts facts) {
        String strictest = strictest("SELECT", facts);
        return strictest.equals("DELETE") || strictest.equals("UPDATE") ? strictest : kind;
    }

    private static boolean analyzes(JsonNode explain) {
        return option(explain, "analyze");
    }

    /**
     * Whether a boolean option is on: some occurrence of it is not spelled false. PostgreSQL takes the last of
     * repeated options; any occurrence that is not plainly false counts (fail closed: judge the reading that runs).
     */
    private static boolean option(JsonNode statement, String name) {
        for (JsonNode option : statement.path("options")) {
            JsonNode def = option.path("DefElem");
            if (def.path("defname").asText().equals(name) && !spelledFalse(def.path("arg"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether an option argument is false: integer 0, or the word false/off in any case. A missing argument is true.
     * The JSON omits zero values, so {@code {"Integer": {}}} is 0.
     */
    private static boolean spelledFalse(JsonNode arg) {
        if (arg.has("Integer")) {
            return arg.path("Integer").path("ival").asInt(0) == 0;
        }
        String word = arg.path("String").path("sval").asText("");
        return arg.has("String") && FALSE_WORDS.contains(word.toLowerCase(Locale.ROOT));
    }

    private static String copy(JsonNode body, SqlClassifierWalker.Facts facts) {
        if (body.path("is_program").asBoolean(false)) {
            return "COPY_PROGRAM";
        }
        if (body.hasNonNull("filename")) {
            return "COPY_FILE";
        }
        // COPY (DELETE ... RETURNING *) TO STDOUT runs the DELETE
        return facts.dml().isEmpty() ? "COPY" : strictest("SELECT", facts);
    }

    private static String set(JsonNode body) {
        String name = body.path("name").asText("");
        // GUC names are case-insensitive: SET "Role" TO x switches the role too
        return ROLE_SETTINGS.contains(name.toLowerCase(Locale.ROOT)) ? "SET_ROLE" : "SET";
    }

    private static String grant(JsonNode body) {
        return body.path("is_grant").asBoolean(false) ? "GRANT" : "REVOKE";
    }

    private static String byPrefix(String type) {
        if (type.startsWith("Create")) {
            return "CREATE";
        }
        if (type.startsWith("Alter")) {
            return "ALTER";
        }
        if (type.startsWith("Drop")) {
            return "DROP";
        }
        return "OTHER";
    }
}
