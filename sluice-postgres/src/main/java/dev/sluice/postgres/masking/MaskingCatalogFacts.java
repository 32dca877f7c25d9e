package dev.sluice.postgres.masking;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingPlan.ColumnMask;

/**
 * What masking lineage needs to know about the database, under one session's {@link MaskingPlan}: which relations
 * hold masked values (tables with a masked column; views and materialized views that depend, at any depth, on a
 * masked column or on the planner statistics; the statistics catalogs and views themselves, named, since the
 * server records no dependency of its own views on its pinned catalogs), which column names are masked,
 * and which functions are the database's own (not {@code pg_catalog}'s): Sluice cannot see what such a function
 * reads, so a call of one is treated as derived from masked values. Immutable; names are lower-cased.
 *
 * @param relations     by {@code relname} and {@code schema.relname}
 * @param derivedTables OIDs of relations every column of which counts as derived (tainted views, statistics)
 * @param functions     names of functions outside {@code pg_catalog} and {@code information_schema}
 * @param knownTables   OIDs of every relation the catalog had: a result column of any other table (made or
 *                      replaced since) counts as derived until the facts are loaded again
 * @param builtins      names of {@code pg_catalog}'s functions: a call of any other name is opaque (empty: unknown)
 * @param complete      false when the catalog was too large to load whole: every statement is then unsure
 * @param operators     names of operators that run a function that is not {@code pg_catalog}'s (or live outside it):
 *                      {@code 1 ### 1} is a call Sluice cannot see into, like {@code leak()}
 * @param castTargets   names of types a cast runs a function that is not {@code pg_catalog}'s to convert to
 *                      ({@code 'a'::tag::text} with {@code create cast (tag as text) with function f(tag)})
 * @param codeTables    by {@code relname} and {@code schema.relname}: OIDs of tables a write to which runs database
 *                      code (a trigger, a rule, a default, generated column or check constraint calling a function
 *                      that is not {@code pg_catalog}'s): what it returns or raises is unknowable
 */
public record MaskingCatalogFacts(Map<String, Relation> relations, Set<Integer> derivedTables, Set<String> functions,
                           Set<Integer> knownTables, Set<String> builtins, boolean complete, Set<String> operators,
                           Set<String> castTargets, Map<String, Set<Integer>> codeTables) {
    /**
     * Catalogs whose every column counts as derived: the planner statistics (their sample values are values of
     * masked columns) and where session settings can be read back ({@code set_config} inside a function).
     */
    static final Set<String> STATISTICS = Set.of("pg_statistic", "pg_statistic_ext_data", "pg_stats", "pg_stats_ext",
            "pg_stats_ext_exprs", "pg_settings", "pg_stat_activity", "pg_stat_statements");
    public static final int MAX_ROWS = 200_000;

    /**
     * One relation name (possibly several relations of that name in different schemas, merged).
     *
     * @param masked      whether any of its columns is masked or derived
     * @param allDerived  every column is derived (a tainted view, the statistics): masked whole when read
     * @param columns     the names of its masked columns (all columns when {@code allDerived})
     * @param source      the first column rule found on it, for the strategy of derived values
     */
    record Relation(boolean masked, boolean allDerived, Set<String> columns, Optional<ColumnMask> source) {
    }

    /**
     * Builds the facts from catalog rows: {@code columns} rows are (oid, nspname, relname, relkind, attnum,
     * attname) with attnum/attname empty for a relation without columns; {@code dependencies} rows are
     * (view oid, referenced relation oid, referenced attnum, 0 = the whole relation); {@code functionNames} rows
     * are (proname); {@code views} rows are (oid, lower-cased definition) of the database's own views. A view
     * whose definition calls a function that is not the server's own, or one that runs SQL text, is derived too:
     * the server records no dependency on what such a function reads.
     */
    public static MaskingCatalogFacts of(List<String[]> columns, List<String[]> dependencies, List<String[]> functionNames,
                                  List<String[]> views, List<String[]> builtinNames, MaskingPlan plan) {
        return of(columns, dependencies, functionNames, views, builtinNames, List.of(), plan);
    }

    /**
     * As above, with {@code code} rows: ({@code o}, operator name), ({@code c}, cast target type name),
     * ({@code t}, relname, oid, nspname) of a table with code (see {@link #codeTables}).
     */
    public static MaskingCatalogFacts of(List<String[]> columns, List<String[]> dependencies, List<String[]> functionNames,
                                  List<String[]> views, List<String[]> builtinNames, List<String[]> code,
                                  MaskingPlan plan) {
        boolean complete = columns.size() < MAX_ROWS && dependencies.size() < MAX_ROWS
                && functionNames.size() < MAX_ROWS && views.size() < MAX_ROWS && builtinNames.size() < MAX_ROWS
                && code.size() < MAX_ROWS;
        Set<String> operators = new HashSet<>();
        Set<String> castTargets = new HashSet<>();
        Map<String, Set<Integer>> codeTables = new HashMap<>();
        for (String[] row : code) {
            switch (row[0]) {
                case "o" -> operators.add(row[1].toLowerCase(Locale.ROOT));
                case "c" -> castTargets.add(row[1].toLowerCase(Locale.ROOT));
                case "t" -> {
                    int oid = Integer.parseUnsignedInt(row[2]);
                    codeTables.computeIfAbsent(row[1].toLowerCase(Locale.ROOT), k -> new HashSet<>()).add(oid);
                    codeTables.computeIfAbsent((row[3] + "." + row[1]).toLowerCase(Locale.ROOT),
                            k -> new HashSet<>()).add(oid);
                }
                default -> { }
            }
        }
        Set<String> builtins = new HashSet<>();
        builtinNames.forEach(r -> builtins.add(r[0].toLowerCase(Locale.ROOT)));
        Set<String> functions = new HashSet<>();
        functionNames.forEach(r -> functions.add(r[0].toLowerCase(Locale.ROOT)));
        Map<Integer, List<String[]>> byOid = new HashMap<>();
        Map<String, ColumnMask> masked = new HashMap<>(); // "oid:attnum"
        Set<Integer> derived = new HashSet<>();
        for (String[] row : columns) {
            int oid = Integer.parseUnsignedInt(row[0]);
            byOid.computeIfAbsent(oid, k -> new ArrayList<>()).add(row);
            if (row[1].equals("pg_catalog") && STATISTICS.contains(row[2])) {
                derived.add(oid);
            }
            if (!row[4].isEmpty()) {
                // a partition or inheritance child is masked by its ancestors' rules too (7th field, when present)
                new ColumnResolver.Name(row[1], row[2], row[5], row.length > 6 && row[6] != null
                        ? ColumnResolver.Name.ancestors(row[6], row[5]) : List.of()).mask(plan)
                        .ifPresent(m -> masked.put(oid + ":" + row[4], m));
            }
        }
        for (String[] view : views) {
            for (String function : functions.isEmpty() ? MaskingLineageWalker.OPAQUE : union(functions)) {
                if (view[1].contains(function + "(")) {
                    derived.add(Integer.parseUnsignedInt(view[0]));
                    break;
                }
            }
        }
        Set<Integer> hasMasked = new HashSet<>();
        masked.keySet().forEach(k -> hasMasked.add(Integer.parseUnsignedInt(k.substring(0, k.indexOf(':')))));
        // A view is derived when it depends on a masked column, on the whole row of a relation with one, or on a
        // derived relation; to a fixpoint, since views stack.
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String[] edge : dependencies) {
                int view = Integer.parseUnsignedInt(edge[0]);
                int ref = Integer.parseUnsignedInt(edge[1]);
                if (derived.contains(view)) {
                    continue;
                }
                boolean wholeRow = edge[2].equals("0");
                if (derived.contains(ref) || masked.containsKey(ref + ":" + edge[2])
                        || (wholeRow && hasMasked.contains(ref))) {
                    derived.add(view);
                    changed = true;
                }
            }
        }
        Map<String, Relation> relations = new HashMap<>();
        for (Map.Entry<Integer, List<String[]>> entry : byOid.entrySet()) {
            int oid = entry.getKey();
            String[] first = entry.getValue().getFirst();
            boolean all = derived.contains(oid);
            Set<String> names = new LinkedHashSet<>();
            Optional<ColumnMask> source = Optional.empty();
            for (String[] row : entry.getValue()) {
                ColumnMask mask = masked.get(oid + ":" + row[4]);
                if ((all || mask != null) && !row[5].isEmpty()) {
                    names.add(row[5].toLowerCase(Locale.ROOT));
                }
                if (source.isEmpty() && mask != null) {
                    source = Optional.of(mask);
                }
            }
            Relation relation = new Relation(all || !names.isEmpty(), all, names, source);
            merge(relations, first[2].toLowerCase(Locale.ROOT), relation);
            merge(relations, (first[1] + "." + first[2]).toLowerCase(Locale.ROOT), relation);
        }
        return new MaskingCatalogFacts(Map.copyOf(relations), Set.copyOf(derived), Set.copyOf(functions),
                Set.copyOf(byOid.keySet()), Set.copyOf(builtins), complete, Set.copyOf(operators),
                Set.copyOf(castTargets), Map.copyOf(codeTables));
    }

    private static Set<String> union(Set<String> functions) {
        Set<String> result = new HashSet<>(functions);
        result.addAll(MaskingLineageWalker.OPAQUE);
        return result;
    }

    private static void merge(Map<String, Relation> relations, String name, Relation relation) {
        relations.merge(name, relation, (a, b) -> {
            Set<String> columns = new LinkedHashSet<>(a.columns());
            columns.addAll(b.columns());
            return new Relation(a.masked() || b.masked(), a.allDerived() || b.allDerived(), columns,
                    a.source().isPresent() ? a.source() : b.source());
        });
    }

    /** OIDs of the tables with code a name in SQL may denote ({@code schema} empty when unqualified). */
    Set<Integer> codeTable(String schema, String name) {
        return codeTables.getOrDefault((schema.isEmpty() ? name : schema + "." + name).toLowerCase(Locale.ROOT),
                Set.of());
    }

    /** The relation a name in SQL denotes ({@code schema} empty when unqualified); empty when unknown. */
    Optional<Relation> relation(String schema, String name) {
        String key = (schema.isEmpty() ? name : schema + "." + name).toLowerCase(Locale.ROOT);
        return Optional.ofNullable(relations.get(key));
    }
}
