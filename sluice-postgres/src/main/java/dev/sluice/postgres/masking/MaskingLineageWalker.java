package dev.sluice.postgres.masking;

import static dev.sluice.postgres.sql.ParseTreeNodes.figureName;
import static dev.sluice.postgres.sql.ParseTreeNodes.last;
import static dev.sluice.postgres.sql.ParseTreeNodes.lower;
import static dev.sluice.postgres.sql.ParseTreeNodes.string;
import static dev.sluice.postgres.sql.ParseTreeNodes.typed;
import static dev.sluice.postgres.sql.ParseTreeNodes.unwrap;
import static dev.sluice.postgres.sql.ParseTreeNodes.walk;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingPlan.ColumnMask;

/**
 * Follows masked values through a statement's libpg_query parse tree, by name, conservatively: a name is
 * <em>tainted</em> when a masked value may flow into it. Seeds: the masked columns of the relations the statement
 * names, the names and aliases of those relations (a whole-row reference {@code c} or {@code c.*} carries every
 * column), every column of a view over masked data or of the statistics, any relation Sluice does not know. Then,
 * to a fixpoint: an expression that mentions a tainted name (or calls a function that is not the server's own, or
 * one that runs SQL text such as {@code query_to_xml}) taints the name of its output column, and a subquery, CTE,
 * function in FROM or aliased join that holds any tainted expression taints its alias, its column aliases and its
 * output names. The statement's own output columns are then derived or not, by position; a {@code *} in an output
 * list over tainted data, or any doubt, makes every computed column derived. Over-approximates on purpose: a name
 * is tainted whatever relation it belongs to, so an unmasked column that shares a masked column's name in the same
 * statement is masked too when computed on ("when unsure, mask").
 */
public final class MaskingLineageWalker {
    /** Built-in functions that run SQL given as text or read whole relations: what they return is unknowable. */
    static final Set<String> OPAQUE = Set.of("query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
            "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema", "schema_to_xml",
            "schema_to_xmlschema", "schema_to_xml_and_xmlschema", "database_to_xml", "database_to_xmlschema",
            "database_to_xml_and_xmlschema", "cursor_to_xml", "cursor_to_xmlschema", "ts_stat", "dblink",
            "current_setting", "pg_stat_get_activity", "pg_show_all_settings");
    /** Settings SHOW may read in clear: the server's own, never set from a value. */
    private static final Set<String> SHOWABLE = Set.of("transaction_isolation", "server_version", "timezone",
            "datestyle", "intervalstyle", "client_encoding", "server_encoding", "standard_conforming_strings",
            "search_path", "is_superuser", "integer_datetimes", "transaction_read_only", "max_identifier_length",
            "default_transaction_isolation", "lc_collate", "lc_ctype");
    private static final int MAX_ROUNDS = 32;

    final MaskingCatalogFacts facts;
    private final Set<String> ctes = new HashSet<>();
    private final Set<String> cols = new HashSet<>();
    private final Set<String> rels = new HashSet<>();
    private final Set<String> derivedRels = new HashSet<>();
    private boolean unknown;
    private boolean changed;
    private Optional<ColumnMask> source = Optional.empty();

    private MaskingLineageWalker(MaskingCatalogFacts facts) {
        this.facts = facts;
    }

    /** The lineage of the statements of one text ({@code stmts} of the parse tree) under the plan's facts. */
    static MaskingLineage analyse(JsonNode stmts, MaskingCatalogFacts facts, MaskingPlan plan) {
        if (!facts.complete()) {
            return MaskingLineage.unsure(facts);
        }
        try {
            MaskingLineageWalker walker = new MaskingLineageWalker(facts);
            walk(stmts, (type, body) -> {
                if (type.equals("CommonTableExpr")) {
                    walker.ctes.add(lower(body.path("ctename").asText("")));
                }
            });
            walk(stmts, walker::seed);
            walk(stmts, (type, body) -> {
                if (type.equals("VariableShowStmt") && !SHOWABLE.contains(lower(body.path("name").asText("")))) {
                    walker.unknown = true; // a setting may hold what a function stored there with set_config
                }
                if (type.equals("ExecuteStmt") || type.equals("FetchStmt") || type.equals("CallStmt")) {
                    walker.unknown = true; // the rows come from a statement prepared or declared earlier
                }
            });
            Set<Integer> written = walker.codeWritten(stmts);
            if (walker.rels.isEmpty() && !walker.unknown && written.isEmpty() && !walker.taint(stmts)) {
                // the common case: nothing masked named, no opaque function; only the refusals that need no taint
                MaskingLineage clean = new MaskingLineage(false, false, new BitSet(), Optional.empty(),
                        facts.derivedTables(), facts.knownTables(), Optional.empty());
                return MaskingLineageRefusals.check(walker, stmts, plan).map(clean::refused).orElse(clean);
            }
            for (int round = 0; round < MAX_ROUNDS; round++) {
                walker.changed = false;
                walk(stmts, walker::propagate);
                if (!walker.changed) {
                    break;
                }
            }
            if (walker.changed) {
                return MaskingLineage.unsure(facts); // did not settle: fail closed
            }
            boolean reads = walker.unknown || walker.taint(stmts);
            // a statement that names a masked relation at all (DML on it, a trigger quoting it) has its errors,
            // notices and reported settings redacted even when no output reads a masked value
            boolean touches = reads || !walker.rels.isEmpty();
            MaskingLineage result;
            if (!reads) {
                result = new MaskingLineage(touches, false, new BitSet(), Optional.empty(), facts.derivedTables(),
                        facts.knownTables(), Optional.empty());
            } else if (stmts.size() != 1 || walker.unknown) {
                result = new MaskingLineage(true, true, new BitSet(), walker.source, facts.derivedTables(),
                        facts.knownTables(), Optional.empty());
            } else {
                BitSet positions = new BitSet();
                boolean unsure = walker.outputs(stmts.get(0).path("stmt"), positions);
                result = new MaskingLineage(true, unsure, positions, walker.source, facts.derivedTables(),
                        facts.knownTables(), Optional.empty());
            }
            if (!written.isEmpty()) {
                // A write to a table with code (trigger, rule, default): the code may raise or return anything, even
                // in a plain column of that table (RETURNING x of a default, NEW changed by a trigger).
                Set<Integer> derived = new HashSet<>(facts.derivedTables());
                derived.addAll(written);
                result = new MaskingLineage(true, true, new BitSet(), result.source(), Set.copyOf(derived),
                        facts.knownTables(), Optional.empty());
            }
            Optional<String> refusal = MaskingLineageRefusals.check(walker, stmts, plan);
            return refusal.map(result::refused).orElse(result);
        } catch (StackOverflowError e) {
            return MaskingLineage.unsure(facts); // too deep to follow: fail closed
        }
    }

    /** OIDs of the tables with code (see {@link MaskingCatalogFacts#codeTables}) the statements write to. */
    private Set<Integer> codeWritten(JsonNode stmts) {
        Set<Integer> result = new HashSet<>();
        walk(stmts, (type, body) -> {
            boolean write = switch (type) {
                case "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt" -> true;
                case "CopyStmt" -> body.path("is_from").asBoolean(false);
                default -> false;
            };
            JsonNode relation = body.path("relation");
            relation = relation.has("RangeVar") ? relation.path("RangeVar") : relation; // typed field: unwrapped
            if (write && relation.has("relname")) {
                result.addAll(facts.codeTable(lower(relation.path("schemaname").asText("")),
                        lower(relation.path("relname").asText(""))));
            }
        });
        return result;
    }

    // ---- seeds and propagation ----

    private void seed(String type, JsonNode body) {
        if (!type.equals("RangeVar")) {
            return;
        }
        String schema = lower(body.path("schemaname").asText(""));
        String name = lower(body.path("relname").asText(""));
        String alias = lower(body.path("alias").path("aliasname").asText(""));
        Optional<MaskingCatalogFacts.Relation> relation = facts.relation(schema, name);
        if (schema.isEmpty() && ctes.contains(name) && relation.isEmpty()) {
            return; // a CTE: tainted by propagation if its query is
        }
        // A CTE that shares a table's name may still mean the table (inside its own, non-recursive query): both.
        if (relation.isEmpty()) {
            unknown = true; // a temporary table, one created in this transaction or statement: fail closed
            addRel(name, true);
            addRel(alias, true);
            return;
        }
        MaskingCatalogFacts.Relation r = relation.get();
        if (r.masked()) {
            cols.addAll(r.columns());
            addRel(name, r.allDerived());
            addRel(alias, r.allDerived());
            if (source.isEmpty()) {
                source = r.source();
            }
        }
    }

    private void propagate(String type, JsonNode body) {
        switch (type) {
            case "RangeVar" -> {
                String name = lower(body.path("relname").asText(""));
                if (body.path("schemaname").asText("").isEmpty() && derivedRels.contains(name)) {
                    addRel(lower(body.path("alias").path("aliasname").asText("")), true);
                }
            }
            case "RangeSubselect" -> {
                if (taint(body.path("subquery"))) {
                    aliasTainted(body.path("alias"));
                    outputNames(body.path("subquery"));
                }
            }
            case "CommonTableExpr" -> {
                if (taint(body.path("ctequery"))) {
                    addRel(lower(body.path("ctename").asText("")), true);
                    names(body.path("aliascolnames"));
                    outputNames(body.path("ctequery"));
                }
            }
            case "RangeTableFunc" -> {
                if (taint(body)) {
                    unknown = true; // XMLTABLE over a masked value: its columns are named in the call
                    aliasTainted(body.path("alias"));
                }
            }
            case "RangeFunction" -> {
                if (taint(body.path("functions"))) {
                    // a function in FROM over a masked value: its output columns (key, value, …) are not all named
                    // here, so every computed column of the statement is derived
                    unknown = true;
                    aliasTainted(body.path("alias"));
                    walk(body.path("coldeflist"), (t, b) -> {
                        if (t.equals("ColumnDef")) {
                            addCol(b.path("colname").asText(""));
                        }
                    });
                    walk(body.path("functions"), (t, b) -> {
                        if (t.equals("FuncCall")) {
                            addCol(last(b.path("funcname")));
                        }
                    });
                }
            }
            case "JoinExpr" -> {
                if (body.has("alias") && (taint(body.path("larg")) || taint(body.path("rarg")))) {
                    aliasTainted(body.path("alias"));
                }
            }
            case "ResTarget" -> {
                if (body.has("val") && taint(body.path("val"))) {
                    addCol(body.has("name") ? body.path("name").asText("") : figureName(body.path("val")));
                }
            }
            default -> { }
        }
    }

    private void aliasTainted(JsonNode alias) {
        addRel(lower(alias.path("aliasname").asText("")), true);
        names(alias.path("colnames"));
    }

    private void names(JsonNode list) {
        for (JsonNode item : list) {
            addCol(string(item));
        }
    }

    /** Taints the output names of a (wrapped or unwrapped) SELECT or RETURNING list. */
    private void outputNames(JsonNode node) {
        JsonNode body = unwrap(node);
        if (body.has("larg")) {
            outputNames(body.path("larg"));
            outputNames(body.path("rarg"));
        }
        for (JsonNode target : body.has("returningList") ? body.path("returningList") : body.path("targetList")) {
            JsonNode t = target.path("ResTarget");
            addCol(t.has("name") ? t.path("name").asText("") : figureName(t.path("val")));
        }
        JsonNode values = body.path("valuesLists");
        if (values.size() > 0) {
            for (int i = 1; i <= values.get(0).path("List").path("items").size(); i++) {
                addCol("column" + i);
            }
        }
    }

    private void addCol(String name) {
        if (!name.isEmpty() && cols.add(lower(name))) {
            changed = true;
        }
    }

    private void addRel(String name, boolean derived) {
        if (name.isEmpty()) {
            return;
        }
        changed |= rels.add(name);
        if (derived) {
            changed |= derivedRels.add(name);
        }
    }

    // ---- taint of an expression ----

    /** Whether any value under {@code node} may be derived from a masked value. */
    boolean taint(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isValueNode()) {
            return false;
        }
        if (node.isArray()) {
            for (JsonNode item : node) {
                if (taint(item)) {
                    return true;
                }
            }
            return false;
        }
        Map.Entry<String, JsonNode> typed = typed(node);
        if (typed != null) {
            switch (typed.getKey()) {
                case "ColumnRef" -> {
                    return columnRef(typed.getValue().path("fields"));
                }
                case "FuncCall" -> {
                    if (opaqueFunction(typed.getValue().path("funcname"))) {
                        return true;
                    }
                }
                case "A_Expr" -> {
                    if (opaqueOperator(typed.getValue().path("name"))) {
                        return true;
                    }
                }
                case "SubLink" -> {
                    if (opaqueOperator(typed.getValue().path("operName"))) {
                        return true;
                    }
                }
                case "TypeCast" -> {
                    if (facts.castTargets().contains(lower(last(typed.getValue().path("typeName").path("names"))))) {
                        return true; // a cast that runs the database's own function
                    }
                }
                default -> { }
            }
            node = typed.getValue();
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            if (taint(it.next())) {
                return true;
            }
        }
        return false;
    }

    private boolean columnRef(JsonNode fields) {
        int n = fields.size();
        if (n == 0) {
            return true;
        }
        JsonNode last = fields.get(n - 1);
        if (last.has("A_Star")) {
            return n == 1 ? !rels.isEmpty() : rels.contains(lower(string(fields.get(n - 2))));
        }
        String name = lower(string(last));
        if (n == 1) {
            return cols.contains(name) || rels.contains(name);
        }
        return cols.contains(name) || derivedRels.contains(lower(string(fields.get(n - 2))));
    }

    /** A function Sluice cannot see into: the database's own, another schema's, or one that runs SQL text. */
    boolean opaqueFunction(JsonNode funcname) {
        String name = lower(last(funcname));
        if (funcname.size() > 1 && !lower(string(funcname.get(0))).equals("pg_catalog")) {
            return true;
        }
        // a name the server does not have in pg_catalog may be a function made since the facts were loaded
        return facts.functions().contains(name) || OPAQUE.contains(name)
                || (!facts.builtins().isEmpty() && !facts.builtins().contains(name));
    }

    /** An operator that runs a function Sluice cannot see into (or one named in another schema). */
    private boolean opaqueOperator(JsonNode name) {
        if (name.size() == 0) {
            return false;
        }
        if (name.size() > 1 && !lower(string(name.get(0))).equals("pg_catalog")) {
            return true;
        }
        return facts.operators().contains(lower(last(name)));
    }

    // ---- output columns ----

    /** Sets the derived output positions of a top-level statement; true when they cannot be told (all are). */
    private boolean outputs(JsonNode statement, BitSet positions) {
        Map.Entry<String, JsonNode> typed = typed(statement);
        if (typed == null) {
            return true;
        }
        JsonNode body = typed.getValue();
        return switch (typed.getKey()) {
            case "SelectStmt" -> select(body, positions);
            case "InsertStmt", "UpdateStmt", "DeleteStmt" -> targets(body.path("returningList"), positions);
            case "FetchStmt", "ExecuteStmt", "CallStmt" -> true; // the rows come from a statement judged earlier
            // the plan text of a statement that reads masked data or calls the database's code: an immutable
            // function is run at plan time and its value printed as a constant ("Output: '…'::text")
            case "ExplainStmt" -> true;
            default -> false;
        };
    }

    private boolean select(JsonNode body, BitSet positions) {
        if (body.has("larg")) {
            return select(body.path("larg"), positions) | select(body.path("rarg"), positions);
        }
        for (JsonNode row : body.path("valuesLists")) {
            JsonNode items = row.path("List").path("items");
            for (int i = 0; i < items.size(); i++) {
                if (taint(items.get(i))) {
                    positions.set(i);
                }
            }
        }
        return targets(body.path("targetList"), positions);
    }

    private boolean targets(JsonNode list, BitSet positions) {
        boolean unsure = false;
        for (int i = 0; i < list.size(); i++) {
            JsonNode val = list.get(i).path("ResTarget").path("val");
            JsonNode fields = val.path("ColumnRef").path("fields");
            JsonNode indirection = val.path("A_Indirection").path("indirection");
            if ((fields.size() > 0 && fields.get(fields.size() - 1).has("A_Star"))
                    || (indirection.size() > 0 && indirection.get(indirection.size() - 1).has("A_Star"))) {
                // a * ((x).*, (f()).* included) shifts the positions after it: every computed column counts as derived
                unsure = true;
            } else if (taint(val)) {
                positions.set(i);
            }
        }
        return unsure;
    }

    Set<String> maskedColumnsOf(JsonNode relation) {
        return facts.relation(lower(relation.path("schemaname").asText("")),
                lower(relation.path("relname").asText(""))).map(MaskingCatalogFacts.Relation::columns)
                .orElse(Set.of());
    }
}
