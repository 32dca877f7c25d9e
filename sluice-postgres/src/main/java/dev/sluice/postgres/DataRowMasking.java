package dev.sluice.postgres;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.postgres.masking.ColumnResolver;
import dev.sluice.postgres.masking.MaskingRefusal;
import dev.sluice.postgres.masking.MaskingShape;
import dev.sluice.postgres.masking.RowMasker;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.Frame;

/**
 * The relay's per-row masking without a session: the {@link MaskingShape} a text-format RowDescription of one table's
 * columns gets under a plan, with the column names given by the caller instead of looked up over a catalog
 * connection, and {@link RowMasker#mask} of DataRow frames under it, exactly as {@code MaskingRelay} runs them.
 *
 * <p>A seam for benchmarks and tools that measure or check what masking does to rows ({@code sluice-bench}'s
 * MaskingBenchmark); the gateway itself never uses it. Confined to one thread (the tally is thread-confined).
 */
public final class DataRowMasking {
    private static final int TABLE_OID = 16_400;

    private final MaskingShape shape;
    private final MaskTally tally = new MaskTally();

    private DataRowMasking(MaskingShape shape) {
        this.shape = shape;
    }

    /**
     * Masking for results whose columns are, in order, {@code columns} of {@code schema.table}, of the given type
     * OIDs, sent in text format.
     *
     * @throws IllegalArgumentException when the lists differ in length, or the relay would refuse such a result
     */
    public static DataRowMasking forTable(String schema, String table, List<String> columns, List<Integer> typeOids,
                                          MaskingPlan plan) {
        if (columns.size() != typeOids.size()) {
            throw new IllegalArgumentException("columns and typeOids differ in length (expected: equal, got "
                    + columns.size() + " and " + typeOids.size() + ")");
        }
        Map<ColumnResolver.Key, ColumnResolver.Name> names = new HashMap<>();
        Field[] fields = new Field[columns.size()];
        for (int i = 0; i < fields.length; i++) {
            short attr = (short) (i + 1);
            fields[i] = new Field(columns.get(i), TABLE_OID, attr, typeOids.get(i), (short) -1, -1, (short) 0);
            names.put(new ColumnResolver.Key(TABLE_OID, attr), new ColumnResolver.Name(schema, table, columns.get(i)));
        }
        ColumnResolver resolver = new ColumnResolver(new ColumnResolver.Catalog() {
            @Override
            public Map<ColumnResolver.Key, ColumnResolver.Name> columns(Collection<ColumnResolver.Key> keys) {
                return names;
            }

            @Override
            public List<ColumnResolver.Name> tableColumns(String name) {
                return List.of();
            }
        });
        try {
            return new DataRowMasking(MaskingShape.of(List.of(fields), new short[0], plan, resolver));
        } catch (MaskingRefusal e) {
            throw new IllegalArgumentException("masking refuses such a result: " + e.getMessage(), e);
        }
    }

    /**
     * One DataRow as the relay would pass it on: the very same frame when nothing was masked.
     *
     * @throws IllegalArgumentException when the relay would refuse the row (it does not fit the columns)
     */
    public Frame mask(Frame row) {
        try {
            return RowMasker.mask(row, shape, tally, StandardCharsets.UTF_8);
        } catch (MaskingRefusal e) {
            throw new IllegalArgumentException("masking refuses the row: " + e.getMessage(), e);
        }
    }

    /** How many values were masked since the last call. */
    public long takeMasked() {
        return tally.take().values().stream().mapToLong(Long::longValue).sum();
    }
}
