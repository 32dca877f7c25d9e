package dev.sluice.postgres.masking;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;


/**
 * Maps the {@code (tableOid, columnAttr)} pairs of RowDescription fields to {@code schema.table.column} names for
 * one session, with a cache filled by catalog lookups that never go through the client's own session (see
 * {@code ColumnResolverCatalog}). Confined to the session's upstream-to-client thread.
 *
 * <p>The cache holds at most {@link #MAX_ENTRIES} columns (then it starts over) and is cleared after DDL in the
 * session ({@link #clear}); DDL in other sessions (a rename) is seen once the session's cache is cleared.
 */
public final class ColumnResolver implements AutoCloseable {
    public static final int MAX_ENTRIES = 20_000;

    /** A table column as RowDescription identifies it. */
    public record Key(int tableOid, short column) {
    }

    /**
     * A resolved column name; {@code ancestors} are the tables a partition or inheritance child descends from (same
     * column name), so that a rule naming {@code customers.card} also masks {@code customers_2024.card}.
     */
    public record Name(String schema, String table, String column, List<Name> ancestors) {
        public Name(String schema, String table, String column) {
            this(schema, table, column, List.of());
        }

        String qualified() {
            return table + "." + column;
        }

        /** The column rule for this column: its own table's, else the nearest ancestor's. */
        java.util.Optional<dev.sluice.core.masking.MaskingPlan.ColumnMask> mask(
                dev.sluice.core.masking.MaskingPlan plan) {
            var own = plan.column(schema, table, column);
            for (int i = 0; own.isEmpty() && i < ancestors.size(); i++) {
                own = plan.column(ancestors.get(i).schema(), ancestors.get(i).table(), column);
            }
            return own;
        }

        /** Ancestors as the catalog queries report them: {@code schema US table} joined by RS. */
        public static List<Name> ancestors(String packed, String column) {
            List<Name> result = new java.util.ArrayList<>();
            for (String item : packed.isEmpty() ? new String[0] : packed.split("\u001e")) {
                String[] parts = item.split("\u001f", 2);
                if (parts.length == 2) {
                    result.add(new Name(parts[0], parts[1], column));
                }
            }
            return List.copyOf(result);
        }
    }

    /** Where names come from: the real catalog in production, a map in codec tests. */
    public interface Catalog extends AutoCloseable {
        /** Names of the given columns; a key with no row (a dropped table) is absent from the result. */
        Map<Key, Name> columns(Collection<Key> keys) throws IOException;

        /** The live columns of {@code table} (as written in SQL, resolved like {@code 'x'::regclass}), in order. */
        List<Name> tableColumns(String table) throws IOException;

        @Override
        default void close() {
        }
    }

    private final Catalog catalog;
    private final Map<Key, Name> cache = new HashMap<>();

    public ColumnResolver(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Names for {@code keys}; looks up the ones not cached in one query.
     *
     * @throws IOException when the catalog cannot be asked (the caller fails closed)
     */
    Map<Key, Name> resolve(Collection<Key> keys) throws IOException {
        List<Key> missing = new ArrayList<>();
        for (Key key : keys) {
            if (!cache.containsKey(key) && !missing.contains(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            Map<Key, Name> found = catalog.columns(missing);
            if (cache.size() + found.size() > MAX_ENTRIES) {
                cache.clear();
            }
            cache.putAll(found);
        }
        Map<Key, Name> result = new HashMap<>();
        for (Key key : keys) {
            Name name = cache.get(key);
            if (name != null) {
                result.put(key, name);
            }
        }
        return result;
    }

    List<Name> tableColumns(String table) throws IOException {
        return catalog.tableColumns(table);
    }

    /** Forgets every name (after DDL: a column may have been renamed). */
    public void clear() {
        cache.clear();
    }

    @Override
    public void close() {
        catalog.close();
    }
}
