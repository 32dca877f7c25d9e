package dev.sluice.postgres.sql;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reading libpg_query's JSON parse tree (PostgreSQL 15): wrapped nodes ({@code {"SelectStmt": {...}}}), the structs
 * it writes unwrapped (a SELECT's {@code larg}/{@code rarg}, a DML's {@code relation}), String nodes, and the names
 * PostgreSQL gives unnamed output columns. Stateless.
 */
public final class ParseTreeNodes {
    private ParseTreeNodes() {
    }

    /** PostgreSQL's name for an unnamed output column (FigureColname), near enough; "?column?" otherwise. */
    public static String figureName(JsonNode node) {
        Map.Entry<String, JsonNode> typed = typed(node);
        if (typed == null) {
            return "?column?";
        }
        JsonNode body = typed.getValue();
        return switch (typed.getKey()) {
            case "ColumnRef" -> string(body.path("fields").get(body.path("fields").size() - 1));
            case "FuncCall" -> last(body.path("funcname"));
            case "TypeCast" -> {
                String inner = figureName(body.path("arg"));
                yield inner.equals("?column?") ? last(body.path("typeName").path("names")) : inner;
            }
            case "CollateClause" -> figureName(body.path("arg"));
            case "A_Indirection" -> {
                JsonNode ind = body.path("indirection");
                String field = ind.size() > 0 ? string(ind.get(ind.size() - 1)) : "";
                yield field.isEmpty() ? figureName(body.path("arg")) : field;
            }
            case "CaseExpr" -> "case";
            case "A_ArrayExpr" -> "array";
            case "RowExpr" -> "row";
            case "CoalesceExpr" -> "coalesce";
            case "MinMaxExpr" -> body.path("op").asText("").contains("GREATEST") ? "greatest" : "least";
            case "A_Expr" -> body.path("kind").asText("").equals("AEXPR_NULLIF") ? "nullif" : "?column?";
            case "XmlExpr" -> body.path("op").asText("").replace("IS_", "").toLowerCase(Locale.ROOT);
            case "SubLink" -> body.path("subLinkType").asText("").equals("ARRAY_SUBLINK") ? "array"
                    : body.path("subLinkType").asText("").equals("EXISTS_SUBLINK") ? "exists"
                    : firstTargetName(body.path("subselect"));
            default -> "?column?";
        };
    }

    private static String firstTargetName(JsonNode select) {
        JsonNode target = unwrap(select).path("targetList").path(0).path("ResTarget");
        return target.has("name") ? target.path("name").asText("") : figureName(target.path("val"));
    }

    /**
     * Calls {@code visitor} for every node under {@code node}: wrapped nodes ({@code {"SelectStmt": {...}}}) and
     * the structs libpg_query writes unwrapped (a SELECT's {@code larg}/{@code rarg}, a DML's {@code relation}).
     */
    public static void walk(JsonNode node, BiConsumer<String, JsonNode> visitor) {
        if (node == null || node.isValueNode() || node.isMissingNode()) {
            return;
        }
        if (node.isArray()) {
            node.forEach(item -> walk(item, visitor));
            return;
        }
        Map.Entry<String, JsonNode> typed = typed(node);
        JsonNode body = node;
        if (typed != null) {
            visitor.accept(typed.getKey(), typed.getValue());
            body = typed.getValue();
        } else if (node.has("relname")) {
            visitor.accept("RangeVar", node);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if ((field.getKey().equals("larg") || field.getKey().equals("rarg")) && typed(field.getValue()) == null
                    && field.getValue().isObject()) {
                visitor.accept("SelectStmt", field.getValue());
            }
            walk(field.getValue(), visitor);
        }
    }

    /** The single {@code TypeName: body} entry of a wrapped node; null for an unwrapped struct or a value. */
    public static Map.Entry<String, JsonNode> typed(JsonNode node) {
        if (node == null || !node.isObject() || node.size() != 1) {
            return null;
        }
        Map.Entry<String, JsonNode> entry = node.fields().next();
        return Character.isUpperCase(entry.getKey().charAt(0)) && entry.getValue().isObject() ? entry : null;
    }

    public static JsonNode unwrap(JsonNode node) {
        Map.Entry<String, JsonNode> typed = typed(node);
        return typed == null ? node : typed.getValue();
    }

    /** The text of a String node ({@code sval} in PostgreSQL 15's tree, {@code str} before). */
    public static String string(JsonNode node) {
        JsonNode s = node.path("String");
        return s.has("sval") ? s.path("sval").asText("") : s.path("str").asText("");
    }

    public static String last(JsonNode names) {
        return names.size() == 0 ? "" : string(names.get(names.size() - 1));
    }

    public static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
