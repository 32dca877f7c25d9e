package dev.sluice.postgres;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the {@code (tableOid, columnAttr)} pairs of RowDescription fields to {@code schema.table.column} names for
 * one session, with a cache filled by catalog lookups that never go through the client's own session (see
 * {@link ColumnResolverCatalog}). Confined to the session's upstream-to-client thread.
 *
 * <p>The cache holds at most {@link #MAX_ENTRIES} columns (then it starts over) and is cleared after DDL in the
 * session ({@link #clear}); DDL in other sessions (a rename) is seen once the session's cache is cleared.
 */
final class ColumnResolver implements AutoCloseable {
    static final int MAX_ENTRIES = 20_000;

    /** A table column as RowDescription identifies it. */
    record Key(int tableOid, short column) {
    }

    /** A resolved column name. */
    record Name(String schema, String table, String column) {
        String qualified() {
            return table + "." + column;
        }
    }

    /** Where names come from: the real catalog in production, a map in codec tests. */
    interface Catalog extends AutoCloseable {
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

    ColumnResolver(Catalog catalog) {
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
    void clear() {
        cache.clear();
    }

    @Override
    public void close() {
        catalog.close();
    }
}
