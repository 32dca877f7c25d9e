package dev.sluice.postgres.masking;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.postgres.sql.ParseTreeNodes;

/**
 * Statements a caller under column masking may not run at all, because a value derived from a masked column would
 * leave through a path results masking does not see: stored where a later, unmasked read finds it (a table column
 * no rule protects, a setting, a sequence, a large object), sent to other sessions ({@code pg_notify}), or computed
 * in procedural code Sluice cannot follow ({@code DO}). With the rule option {@code refuse-in-predicates}, also any
 * statement that uses a masked value in WHERE, JOIN … ON, HAVING, GROUP BY, ORDER BY, DISTINCT ON or a window
 * clause (the probing channel: {@code WHERE card LIKE '4%'}).
 */
public final class MaskingLineageRefusals {
    /** Functions that store or send their argument where a later read or another session sees it unmasked. */
    private static final Set<String> SINKS = Set.of("set_config", "pg_notify", "setval", "lo_from_bytea", "lo_put",
            "lowrite", "lo_import", "lo_export", "pg_logical_emit_message", "pg_advisory_lock",
            "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared", "pg_advisory_xact_lock",
            "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
            "dblink_exec", "dblink_send_query", "pg_file_write");
    private static final List<String> PREDICATES = List.of("whereClause", "havingClause", "groupClause", "sortClause",
            "windowClause", "distinctClause");

    private MaskingLineageRefusals() {
    }

    /** Why this caller may not run {@code stmts}; empty when it may. */
    static Optional<String> check(MaskingLineageWalker walker, JsonNode stmts, MaskingPlan plan) {
        List<String> reasons = new ArrayList<>();
        boolean predicates = plan.refusesPredicates();
        ParseTreeNodes.walk(stmts, (type, body) -> {
            sideEffects(walker, type, body, reasons);
            if (!predicates) {
                return;
            }
            switch (type) {
                case "SelectStmt", "UpdateStmt", "DeleteStmt" -> predicates(walker, body, reasons);
                case "JoinExpr" -> {
                    if (walker.taint(body.path("quals"))) {
                        reasons.add(PREDICATE);
                    }
                }
                default -> { }
            }
        });
        return reasons.stream().findFirst();
    }

    private static void sideEffects(MaskingLineageWalker walker, String type, JsonNode body, List<String> reasons) {
        switch (type) {
            case "DoStmt" -> reasons.add("DO blocks are refused under column masking: Sluice cannot follow masked"
                    + " values through procedural code");
            case "FuncCall" -> {
                String name = ParseTreeNodes.lower(ParseTreeNodes.last(body.path("funcname")));
                boolean tainted = walker.taint(body.path("args"));
                if (tainted && SINKS.contains(name)) {
                    reasons.add(name + "() would store or send a value derived from a masked column");
                } else if (tainted && walker.opaqueFunction(body.path("funcname"))) {
                    reasons.add("function " + name + "() is not PostgreSQL's own and would receive a value derived"
                            + " from a masked column: Sluice cannot follow it");
                }
            }
            case "InsertStmt" -> {
                if (walker.taint(body.path("selectStmt"))) {
                    Set<String> masked = walker.maskedColumnsOf(body.path("relation"));
                    List<String> columns = new ArrayList<>();
                    body.path("cols").forEach(c -> columns.add(ParseTreeNodes.lower(
                            c.path("ResTarget").path("name").asText(""))));
                    if (columns.isEmpty() || !masked.containsAll(columns)) {
                        reasons.add("INSERT would copy values derived from masked columns into columns no masking"
                                + " rule protects");
                    }
                }
                updates(walker, body.path("relation"), body.path("onConflictClause").path("targetList"), reasons);
            }
            case "UpdateStmt" -> updates(walker, body.path("relation"), body.path("targetList"), reasons);
            case "MergeStmt" -> {
                if (walker.taint(body)) {
                    reasons.add("MERGE reading masked columns is refused under column masking");
                }
            }
            case "CreateTableAsStmt" -> {
                if (!body.path("objtype").asText("").equals("OBJECT_MATVIEW") && walker.taint(body.path("query"))) {
                    reasons.add("CREATE TABLE AS would copy values derived from masked columns into a table no"
                            + " masking rule protects");
                }
            }
            case "SelectStmt" -> {
                if (body.has("intoClause") && walker.taint(body)) {
                    reasons.add("SELECT INTO would copy values derived from masked columns into a table no masking"
                            + " rule protects");
                }
            }
            case "ViewStmt" -> {
                if (body.path("replace").asBoolean(false) && walker.taint(body.path("query"))) {
                    reasons.add("replacing a view with one that reads masked columns is refused under column masking:"
                            + " other sessions would read the view as it was until they load the catalog again");
                }
            }
            case "RuleStmt" -> {
                if (walker.taint(body.path("actions")) || !walker.maskedColumnsOf(body.path("relation")).isEmpty()) {
                    reasons.add("a rule reading or changing masked columns is refused under column masking");
                }
            }
            case "RenameStmt", "AlterTableStmt", "AlterObjectSchemaStmt", "CreateTrigStmt" -> {
                if (!walker.maskedColumnsOf(body.path("relation")).isEmpty()) {
                    reasons.add("changing a relation with masked columns (rename, alter, trigger, rule) is refused"
                            + " under column masking: the column rules name its columns");
                }
            }
            default -> { }
        }
    }

    /** SET col = value (UPDATE, ON CONFLICT DO UPDATE): a derived value may go only into a masked column. */
    private static void updates(MaskingLineageWalker walker, JsonNode relation, JsonNode targets,
                                List<String> reasons) {
        Set<String> masked = walker.maskedColumnsOf(relation);
        for (JsonNode target : targets) {
            JsonNode t = target.path("ResTarget");
            if (walker.taint(t.path("val"))
                    && !masked.contains(ParseTreeNodes.lower(t.path("name").asText("")))) {
                reasons.add("an UPDATE would copy values derived from masked columns into column "
                        + t.path("name").asText("") + ", which no masking rule protects");
            }
        }
    }

    static final String PREDICATE = "a masked column is used in a WHERE, JOIN, HAVING, GROUP BY, ORDER BY or window"
            + " clause (masking rule option refuse-in-predicates)";

    private static void predicates(MaskingLineageWalker walker, JsonNode body, List<String> reasons) {
        for (String clause : PREDICATES) {
            if (walker.taint(body.path(clause))) {
                reasons.add(PREDICATE);
                return;
            }
        }
    }
}
