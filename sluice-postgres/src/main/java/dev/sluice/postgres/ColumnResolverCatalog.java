package dev.sluice.postgres;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.spi.Dialer;
import dev.sluice.postgres.masking.ColumnResolver;
import dev.sluice.postgres.masking.MaskingCatalogFacts;

/**
 * The real catalog behind {@link ColumnResolver}, asked over a {@link CatalogConnection} of Sluice's own, so no query
 * is ever injected into the client's stream (its transaction, its error state and its results stay exactly its own).
 * Used by the session's upstream-to-client thread (column names) and its client-to-upstream thread (the
 * {@link MaskingCatalogFacts} of masking lineage); the connection keeps their queries apart.
 */
final class ColumnResolverCatalog implements ColumnResolver.Catalog {
    private static final int LOOKUP_BATCH = 500;

    private final CatalogConnection connection;

    ColumnResolverCatalog(TargetGrant grant, Dialer dialer) {
        this.connection = new CatalogConnection(grant, dialer, "sluice-masking");
    }

    @Override
    public Map<ColumnResolver.Key, ColumnResolver.Name> columns(Collection<ColumnResolver.Key> keys)
            throws IOException {
        Map<ColumnResolver.Key, ColumnResolver.Name> result = new HashMap<>();
        List<ColumnResolver.Key> all = new ArrayList<>(keys);
        for (int from = 0; from < all.size(); from += LOOKUP_BATCH) {
            StringBuilder pairs = new StringBuilder();
            for (ColumnResolver.Key key : all.subList(from, Math.min(all.size(), from + LOOKUP_BATCH))) {
                pairs.append(pairs.isEmpty() ? "" : ",").append('(').append(Integer.toUnsignedString(key.tableOid()))
                        .append("::oid,").append(key.column()).append("::int2)");
            }
            String sql = ANCESTORS + "select c.oid, a.attnum, n.nspname, c.relname, a.attname, " + ANCESTORS_OF
                    + " from pg_catalog.pg_attribute a"
                    + " join pg_catalog.pg_class c on c.oid = a.attrelid"
                    + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                    + " where (c.oid, a.attnum) in (" + pairs + ")";
            for (String[] row : query(sql, ColumnResolver.MAX_ENTRIES)) {
                result.put(new ColumnResolver.Key(Integer.parseUnsignedInt(row[0]), Short.parseShort(row[1])),
                        new ColumnResolver.Name(row[2], row[3], row[4],
                                ColumnResolver.Name.ancestors(String.valueOf(row[5] == null ? "" : row[5]), row[4])));
            }
        }
        return result;
    }

    @Override
    public List<ColumnResolver.Name> tableColumns(String table) throws IOException {
        String sql = ANCESTORS + "select n.nspname, c.relname, a.attname, " + ANCESTORS_OF
                + " from pg_catalog.pg_attribute a"
                + " join pg_catalog.pg_class c on c.oid = a.attrelid"
                + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                + " where a.attrelid = '" + table.replace("'", "''") + "'::regclass"
                + " and a.attnum > 0 and not a.attisdropped order by a.attnum";
        return query(sql, ColumnResolver.MAX_ENTRIES).stream().map(r -> new ColumnResolver.Name(r[0], r[1], r[2],
                ColumnResolver.Name.ancestors(r[3] == null ? "" : r[3], r[2]))).toList();
    }

    /**
     * The tables each partition or inheritance child descends from, at any depth: a rule naming the parent applies to
     * the child read directly ({@code select card from customers_2024}).
     */
    private static final String ANCESTORS = "with recursive up(child, parent) as (select inhrelid, inhparent"
            + " from pg_catalog.pg_inherits union select up.child, i.inhparent from up"
            + " join pg_catalog.pg_inherits i on i.inhrelid = up.parent) ";
    /** {@code schema US table}, joined by RS, of the ancestors of {@code c}; '' for none. */
    private static final String ANCESTORS_OF = "coalesce((select pg_catalog.string_agg(pn.nspname || chr(31)"
            + " || pc.relname, chr(30)) from up join pg_catalog.pg_class pc on pc.oid = up.parent"
            + " join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace where up.child = c.oid), '')";

    /** The catalog rows {@link MaskingCatalogFacts} are built from, whatever the plan (see {@link #factsRows}). */
    record FactsRows(List<String[]> columns, List<String[]> dependencies, List<String[]> functions,
                     List<String[]> views, List<String[]> builtins, List<String[]> code) {
        MaskingCatalogFacts facts(MaskingPlan plan) {
            return MaskingCatalogFacts.of(columns, dependencies, functions, views, builtins, code, plan);
        }
    }

    /**
     * What masking lineage needs to know about the database: every relation's columns (with the tables it descends
     * from), the relations each view depends on, the functions that are not the server's own, the definitions of the
     * database's views, the names of the server's own functions, and the operators, casts and tables that run
     * database code without a call in the statement's text. Six queries.
     *
     * @throws IOException when the catalog cannot be asked (the caller fails closed)
     */
    FactsRows factsRows() throws IOException {
        int max = MaskingCatalogFacts.MAX_ROWS;
        List<String[]> columns = query(ANCESTORS + "select c.oid, n.nspname, c.relname, c.relkind,"
                + " coalesce(a.attnum, 0), coalesce(a.attname, ''), " + ANCESTORS_OF + " from pg_catalog.pg_class c"
                + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                + " left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
                + " where c.relkind in ('r', 'v', 'm', 'f', 'p', 'S')", max);
        List<String[]> dependencies = query("select distinct r.ev_class, d.refobjid, d.refobjsubid"
                + " from pg_catalog.pg_rewrite r join pg_catalog.pg_depend d"
                + " on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid"
                + " and d.refclassid = 'pg_catalog.pg_class'::regclass where d.refobjid <> r.ev_class", max);
        List<String[]> functions = query("select distinct p.proname from pg_catalog.pg_proc p"
                + " join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
                + " where n.nspname not in ('pg_catalog', 'information_schema')", max);
        List<String[]> views = query("select c.oid, lower(pg_catalog.pg_get_viewdef(c.oid)) from pg_catalog.pg_class c"
                + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.relkind in ('v', 'm')"
                + " and n.nspname not in ('pg_catalog', 'information_schema')", max);
        List<String[]> builtins = query("select distinct proname from pg_catalog.pg_proc"
                + " where pronamespace = 'pg_catalog'::pg_catalog.regnamespace", max);
        String catalog = "'pg_catalog'::pg_catalog.regnamespace";
        String foreign = " not in (" + catalog + ", 'information_schema'::pg_catalog.regnamespace)";
        String table = " join pg_catalog.pg_class c on c.oid = %s join pg_catalog.pg_namespace n on n.oid = c.relnamespace";
        // database code Sluice cannot see into that runs without a function call in the statement's text
        List<String[]> code = query("select 'o', o.oprname, '', '' from pg_catalog.pg_operator o"
                + " join pg_catalog.pg_proc p on p.oid = o.oprcode"
                + " where p.pronamespace" + foreign + " or o.oprnamespace <> " + catalog
                + " union select 'c', t.typname, '', '' from pg_catalog.pg_cast k"
                + " join pg_catalog.pg_proc p on p.oid = k.castfunc join pg_catalog.pg_type t on t.oid = k.casttarget"
                + " where p.pronamespace" + foreign
                + " union select 't', c.relname, c.oid::text, n.nspname from pg_catalog.pg_trigger g"
                + table.formatted("g.tgrelid") + " where not g.tgisinternal"
                + " union select 't', c.relname, c.oid::text, n.nspname from pg_catalog.pg_rewrite r"
                + table.formatted("r.ev_class") + " where r.rulename <> '_RETURN'"
                + " union select 't', c.relname, c.oid::text, n.nspname from pg_catalog.pg_depend d"
                + " join pg_catalog.pg_proc p on p.oid = d.refobjid"
                + " join pg_catalog.pg_attrdef ad on ad.oid = d.objid" + table.formatted("ad.adrelid")
                + " where d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass"
                + " and d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass and p.pronamespace" + foreign
                + " union select 't', c.relname, c.oid::text, n.nspname from pg_catalog.pg_depend d"
                + " join pg_catalog.pg_proc p on p.oid = d.refobjid"
                + " join pg_catalog.pg_constraint k on k.oid = d.objid" + table.formatted("k.conrelid")
                + " where d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass"
                + " and d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass and p.pronamespace" + foreign, max);
        return new FactsRows(columns, dependencies, functions, views, builtins, code);
    }

    private List<String[]> query(String sql, int maxRows) throws IOException {
        return connection.query(sql, maxRows);
    }

    @Override
    public void close() {
        connection.close();
    }
}
