package dev.sluice.postgres.sql;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Collects the facts of one statement from libpg_query's JSON tree: every relation, every function call (and every
 * function an operator, aggregate, type, cast or transform it defines will call under another name), every
 * data-modifying statement (top level, CTEs, rule actions, anywhere) and every {@code EXECUTE}.
 * <p>
 * The JSON writes a node as {@code {"RangeVar": {...}}} where the field is a generic {@code Node*}, and bare where the
 * field is typed ({@code "relation": {"relname": ..}}), so nodes are recognized by their fields, not only by wrapper.
 * The walk is iterative: parse trees can be thousands of levels deep.
 * <p>
 * A relation reference that names a CTE in scope is not a table. Scoping follows PostgreSQL: a CTE is visible in its
 * statement and that statement's subqueries; in a non-recursive {@code WITH}, a CTE's own query sees only the CTEs
 * before it; only unqualified {@code FROM} items can name a CTE, never the target of INSERT/UPDATE/DELETE/MERGE.
 */
public final class SqlClassifierWalker {

    /**
     * What one statement touches. {@code dml} lists the INSERT/UPDATE/DELETE/MERGE effects found anywhere: the
     * statements, each MERGE action, and the UPDATE of an {@code ON CONFLICT DO UPDATE}; {@code locks} is whether a
     * locking clause ({@code FOR UPDATE}, {@code FOR NO KEY UPDATE}, {@code FOR SHARE}, {@code FOR KEY SHARE}) appears
     * anywhere.
     */
    record Facts(Set<String> tables, Set<String> functions, List<Dml> dml, List<String> executed, boolean locks) {
    }

    /** One data-modifying node; {@code hasWhere} is whether it carries a WHERE clause (UPDATE/DELETE only). */
    record Dml(String kind, boolean hasWhere) {
    }

    private record Scope(String name, Scope parent) {
        boolean contains(String cte) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.name.equals(cte)) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Frame(JsonNode node, String key, Scope scope) {
    }

    private static final Map<String, String> DML_NODES = Map.of(
            "InsertStmt", "INSERT", "UpdateStmt", "UPDATE", "DeleteStmt", "DELETE", "MergeStmt", "MERGE");
    private static final Set<String> DROPPED_RELATIONS = Set.of("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW",
            "OBJECT_FOREIGN_TABLE", "OBJECT_SEQUENCE", "OBJECT_INDEX");

    /**
     * Statements that define an object calling functions named in options, with the field holding the options:
     * {@code CREATE OPERATOR/AGGREGATE/TYPE/TEXT SEARCH ..} and {@code ALTER OPERATOR/TYPE .. SET (..)}.
     */
    private static final Map<String, String> DEFINITIONS = Map.of("DefineStmt", "definition",
            "AlterOperatorStmt", "options", "AlterTypeStmt", "options");
    /** The options of {@link #DEFINITIONS} whose value is a function the defined object calls. */
    private static final Set<String> FUNCTION_OPTIONS = Set.of("function", "procedure", "sfunc", "finalfunc",
            "combinefunc", "serialfunc", "deserialfunc", "msfunc", "minvfunc", "mfinalfunc", "restrict", "join",
            "input", "output", "receive", "send", "typmod_in", "typmod_out", "analyze", "subscript", "canonical",
            "subtype_diff", "init", "lexize", "start", "gettoken", "end", "headline", "lextypes");
    /** Statements that make an object call a function given as {@code name(args)}: casts, transforms. */
    private static final Map<String, List<String>> OBJECT_FUNCTIONS = Map.of("CreateCastStmt", List.of("func"),
            "CreateTransformStmt", List.of("fromsql", "tosql"));

    private final Set<String> tables = new LinkedHashSet<>();
    private final Set<String> functions = new LinkedHashSet<>();
    private final List<Dml> dml = new ArrayList<>();
    private final List<String> executed = new ArrayList<>();
    private boolean locks;
    private final Deque<Frame> stack = new ArrayDeque<>();

    private SqlClassifierWalker() {
    }

    /** Walks one {@code stmts[i].stmt} node ({@code {"SelectStmt": {...}}}). */
    static Facts walk(JsonNode statement) {
        SqlClassifierWalker walker = new SqlClassifierWalker();
        walker.stack.push(new Frame(statement, "", null));
        while (!walker.stack.isEmpty()) {
            Frame frame = walker.stack.pop();
            if (frame.node.isArray()) {
                frame.node.forEach(child -> walker.stack.push(new Frame(child, frame.key, frame.scope)));
            } else if (frame.node.isObject()) {
                walker.visit(frame.node, frame.key, frame.scope);
            }
        }
        Facts result = new Facts(walker.tables, walker.functions, walker.dml, walker.executed, walker.locks);
        return result;
    }

    private void visit(JsonNode node, String key, Scope scope) {
        if (node.has("relname") && node.has("relpersistence")) {
            relation(node, key.equals("RangeVar") ? scope : null);
        }
        if (node.has("funcname") && (node.has("funcformat") || node.has("trigname"))) {
            function(node.get("funcname"));
        }
        String dmlKind = DML_NODES.get(key);
        if (dmlKind != null) {
            dml.add(new Dml(dmlKind, node.has("whereClause")));
        }
        if (key.equals("MergeWhenClause")) {
            // A MERGE action deletes or updates like DELETE/UPDATE and must be judged so. Its rows are chosen by a
            // join, not a WHERE: judged as unrestricted (fail closed for "writes need a WHERE" rules).
            switch (node.path("commandType").asText()) {
                case "CMD_DELETE" -> dml.add(new Dml("DELETE", false));
                case "CMD_UPDATE" -> dml.add(new Dml("UPDATE", false));
                case "CMD_INSERT" -> dml.add(new Dml("INSERT", false));
                default -> { }
            }
        }
        if (key.equals("onConflictClause") && node.path("action").asText().equals("ONCONFLICT_UPDATE")) {
            // an upsert updates the conflicting rows: an UPDATE, restricted only by the DO UPDATE's own WHERE
            dml.add(new Dml("UPDATE", node.has("whereClause")));
        }
        if (key.equals("LockingClause")) {
            locks = true;
        }
        if (key.equals("ExecuteStmt")) {
            executed.add(node.path("name").asText(""));
        }
        JsonNode definition = DEFINITIONS.containsKey(key) ? node.get(DEFINITIONS.get(key)) : null;
        if (definition != null) {
            definition.forEach(this::functionOption);
        }
        for (String field : OBJECT_FUNCTIONS.getOrDefault(key, List.of())) {
            function(node.path(field).path("objname"));
        }
        if (key.equals("DropStmt") && DROPPED_RELATIONS.contains(node.path("removeType").asText())) {
            node.path("objects").forEach(this::droppedRelation);
        }
        Scope inner = scope;
        JsonNode with = node.get("withClause");
        if (with != null && with.isObject()) {
            inner = withClause(with, scope);
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getKey().equals("withClause")) {
                stack.push(new Frame(field.getValue(), field.getKey(), inner));
            }
        }
    }

    /** Pushes each CTE query with the scope it sees; returns the scope of the statement owning the WITH. */
    private Scope withClause(JsonNode with, Scope outer) {
        List<JsonNode> ctes = new ArrayList<>();
        with.path("ctes").forEach(cte -> ctes.add(cte.path("CommonTableExpr")));
        boolean recursive = with.path("recursive").asBoolean(false);
        Scope all = outer;
        for (JsonNode cte : ctes) {
            all = new Scope(cte.path("ctename").asText(""), all);
        }
        Scope preceding = outer;
        for (JsonNode cte : ctes) {
            stack.push(new Frame(cte.path("ctequery"), "ctequery", recursive ? all : preceding));
            preceding = new Scope(cte.path("ctename").asText(""), preceding);
        }
        return all;
    }

    private void relation(JsonNode rangeVar, Scope ctes) {
        String name = rangeVar.path("relname").asText("");
        boolean qualified = rangeVar.has("schemaname") || rangeVar.has("catalogname");
        if (!qualified && ctes != null && ctes.contains(name)) {
            return;
        }
        StringJoiner result = new StringJoiner(".");
        for (String part : List.of("catalogname", "schemaname")) {
            if (rangeVar.hasNonNull(part)) {
                result.add(rangeVar.get(part).asText());
            }
        }
        tables.add(result.add(name).toString());
    }

    /**
     * An option naming a function the object will call, as in {@code CREATE OPERATOR ### (RIGHTARG = int, FUNCTION =
     * f)} or {@code CREATE AGGREGATE a(*) (SFUNC = f, ..)}: the operator or aggregate runs {@code f} under another
     * name, so {@code f} is a called function of the statement that defines it (the name is a type name or a
     * string).
     */
    private void functionOption(JsonNode option) {
        JsonNode def = option.path("DefElem");
        if (!FUNCTION_OPTIONS.contains(def.path("defname").asText("").toLowerCase(Locale.ROOT))) {
            return;
        }
        JsonNode arg = def.path("arg");
        if (arg.has("TypeName")) {
            function(arg.path("TypeName").path("names"));
        } else if (arg.has("String")) {
            String name = arg.path("String").path("sval").asText("");
            functions.add(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT));
        }
    }

    private void function(JsonNode names) {
        if (names.isArray() && !names.isEmpty()) {
            String last = names.get(names.size() - 1).path("String").path("sval").asText("");
            functions.add(last.toLowerCase(Locale.ROOT));
        }
    }

    private void droppedRelation(JsonNode object) {
        JsonNode items = object.path("List").path("items");
        StringJoiner result = new StringJoiner(".");
        items.forEach(item -> result.add(item.path("String").path("sval").asText("")));
        if (!items.isEmpty()) {
            tables.add(result.toString());
        }
    }
}
