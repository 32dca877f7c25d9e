package dev.sluice.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.postgres.sql.SqlParseTree;

/**
 * The read-only count behind an impact preview: for a single {@code DELETE} or {@code UPDATE} of one table (no
 * {@code WITH}, {@code USING} or {@code FROM}), {@code SELECT count(*) FROM "schema"."table" WHERE ...}, re-rendered
 * from libpg_query's parse tree, never copied from the statement text. The {@code WHERE} clause may hold only column
 * references, constants, {@code AND}/{@code OR}/{@code NOT}, {@code IS [NOT] NULL}, {@code IN} lists,
 * {@code BETWEEN}, {@code LIKE}/{@code ILIKE} and the comparison operators, each written as
 * {@code OPERATOR(pg_catalog.=)} so that no operator of another schema (which could call any function) is chosen.
 * No function call, subquery, parameter or cast passes: then there is no preview. Pure.
 */
public final class ImpactQueries {
    private static final Map<String, String> OPERATORS = Map.of("=", "=", "<>", "<>", "!=", "<>", "<", "<",
            ">", ">", "<=", "<=", ">=", ">=");
    private static final int MAX_NODES = 500;

    private ImpactQueries() {
    }

    /**
     * @param table  the table as quoted SQL ({@code "public"."items"} or {@code "items"})
     * @param kind   {@code DELETE} or {@code UPDATE}
     * @param query  the count query
     */
    public record Count(String table, String kind, String query) {
    }

    /** The count query of {@code sql}, or empty when it is not one safe statement of the supported shape. */
    public static Optional<Count> of(String sql) {
        Optional<JsonNode> statements = SqlParseTree.statements(sql);
        if (statements.isEmpty() || statements.get().size() != 1) {
            return Optional.empty();
        }
        JsonNode stmt = statements.get().get(0).path("stmt");
        String kind = stmt.has("DeleteStmt") ? "DELETE" : stmt.has("UpdateStmt") ? "UPDATE" : "";
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        JsonNode node = stmt.path(kind.equals("DELETE") ? "DeleteStmt" : "UpdateStmt");
        if (node.has("withClause") || node.has("usingClause") || node.has("fromClause")) {
            return Optional.empty();
        }
        Optional<String> table = table(node.path("relation"));
        if (table.isEmpty()) {
            return Optional.empty();
        }
        String where = "";
        if (node.has("whereClause")) {
            int[] budget = {MAX_NODES};
            Optional<String> condition = expression(node.path("whereClause"), budget);
            if (condition.isEmpty()) {
                return Optional.empty();
            }
            where = " WHERE " + condition.get();
        }
        return Optional.of(new Count(table.get(), kind, "SELECT count(*) FROM " + table.get() + where));
    }

    private static Optional<String> table(JsonNode relation) {
        String name = relation.path("relname").asText("");
        if (name.isEmpty() || relation.has("catalogname") || relation.has("alias")) {
            return Optional.empty();
        }
        String schema = relation.path("schemaname").asText("");
        String only = relation.path("inh").asBoolean(true) ? "" : "ONLY ";
        return Optional.of(only + (schema.isEmpty() ? "" : identifier(schema) + ".") + identifier(name));
    }

    private static Optional<String> expression(JsonNode node, int[] budget) {
        if (--budget[0] < 0 || !node.isObject() || node.size() != 1) {
            return Optional.empty();
        }
        String type = node.fieldNames().next();
        JsonNode body = node.path(type);
        return switch (type) {
            case "ColumnRef" -> column(body);
            case "A_Const" -> constant(body);
            case "BoolExpr" -> bool(body, budget);
            case "NullTest" -> expression(body.path("arg"), budget).map(arg -> "(" + arg + ")"
                    + (body.path("nulltesttype").asText().equals("IS_NOT_NULL") ? " IS NOT NULL" : " IS NULL"));
            case "A_Expr" -> operator(body, budget);
            case "List" -> list(body.path("items"), budget).map(items -> "(" + String.join(", ", items) + ")");
            default -> Optional.empty();
        };
    }

    private static Optional<String> column(JsonNode body) {
        List<String> parts = new ArrayList<>();
        for (JsonNode field : body.path("fields")) {
            String name = field.path("String").path("sval").asText("");
            if (name.isEmpty()) {
                return Optional.empty(); // a star or something else
            }
            parts.add(identifier(name));
        }
        return parts.isEmpty() || parts.size() > 3 ? Optional.empty() : Optional.of(String.join(".", parts));
    }

    private static Optional<String> constant(JsonNode body) {
        if (body.path("isnull").asBoolean(false)) {
            return Optional.of("NULL");
        }
        if (body.has("ival")) {
            return Optional.of(Long.toString(body.path("ival").path("ival").asLong(0)));
        }
        if (body.has("fval")) {
            String value = body.path("fval").path("fval").asText("");
            return value.matches("-?[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?") ? Optional.of(value) : Optional.empty();
        }
        if (body.has("boolval")) {
            return Optional.of(body.path("boolval").path("boolval").asBoolean(false) ? "true" : "false");
        }
        if (body.has("sval")) {
            return Optional.of(literal(body.path("sval").path("sval").asText("")));
        }
        return Optional.empty();
    }

    private static Optional<String> bool(JsonNode body, int[] budget) {
        Optional<List<String>> args = list(body.path("args"), budget);
        if (args.isEmpty() || args.get().isEmpty()) {
            return Optional.empty();
        }
        return switch (body.path("boolop").asText()) {
            case "AND_EXPR" -> Optional.of("(" + String.join(" AND ", args.get()) + ")");
            case "OR_EXPR" -> Optional.of("(" + String.join(" OR ", args.get()) + ")");
            case "NOT_EXPR" -> args.get().size() == 1 ? Optional.of("(NOT " + args.get().getFirst() + ")")
                    : Optional.empty();
            default -> Optional.empty();
        };
    }

    private static Optional<String> operator(JsonNode body, int[] budget) {
        JsonNode names = body.path("name");
        if (names.size() != 1) {
            return Optional.empty(); // a schema-qualified OPERATOR(s.op)
        }
        String op = names.get(0).path("String").path("sval").asText("");
        Optional<String> left = expression(body.path("lexpr"), budget);
        Optional<String> right = expression(body.path("rexpr"), budget);
        if (left.isEmpty() || right.isEmpty()) {
            return Optional.empty();
        }
        String kind = body.path("kind").asText();
        return switch (kind) {
            case "AEXPR_OP" -> Optional.ofNullable(OPERATORS.get(op)).map(o -> "(" + left.get()
                    + " OPERATOR(pg_catalog." + o + ") " + right.get() + ")");
            case "AEXPR_IN" -> op.equals("=") ? Optional.of("(" + left.get() + " IN " + right.get() + ")")
                    : op.equals("<>") ? Optional.of("(" + left.get() + " NOT IN " + right.get() + ")")
                    : Optional.empty();
            case "AEXPR_LIKE" -> like(op, "~~", "!~~", left.get(), right.get());
            case "AEXPR_ILIKE" -> like(op, "~~*", "!~~*", left.get(), right.get());
            case "AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN" -> between(kind, body.path("rexpr"), left.get(), budget);
            default -> Optional.empty();
        };
    }

    private static Optional<String> like(String op, String positive, String negative, String left, String right) {
        if (!op.equals(positive) && !op.equals(negative)) {
            return Optional.empty();
        }
        return Optional.of("(" + left + " OPERATOR(pg_catalog." + op + ") " + right + ")");
    }

    private static Optional<String> between(String kind, JsonNode range, String left, int[] budget) {
        Optional<List<String>> bounds = list(range.path("List").path("items"), budget);
        if (bounds.isEmpty() || bounds.get().size() != 2) {
            return Optional.empty();
        }
        String test = "(" + left + " OPERATOR(pg_catalog.>=) " + bounds.get().get(0) + " AND " + left
                + " OPERATOR(pg_catalog.<=) " + bounds.get().get(1) + ")";
        return Optional.of(kind.equals("AEXPR_BETWEEN") ? test : "(NOT " + test + ")");
    }

    private static Optional<List<String>> list(JsonNode items, int[] budget) {
        List<String> result = new ArrayList<>();
        for (JsonNode item : items) {
            Optional<String> one = expression(item, budget);
            if (one.isEmpty()) {
                return Optional.empty();
            }
            result.add(one.get());
        }
        return Optional.of(result);
    }

    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** An escape-string literal: means the same whatever {@code standard_conforming_strings} says. */
    static String literal(String text) {
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
