package dev.sluice.postgres;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.Frame;

/**
 * Benchmark access to the relay's per-row masking: the {@link MaskingShape} a RowDescription of one table gets
 * under a plan (column names resolved by a fixed catalog instead of a catalog connection), and
 * {@link RowMasker#mask} of DataRow frames under it, exactly as {@code MaskingRelay} runs them. Not for production use.
 */
public final class RowMaskingProbe {
    private static final int TABLE_OID = 16_400;

    private final MaskingShape shape;
    private final MaskTally tally = new MaskTally();

    /**
     * @param columns  the result's columns, all from {@code schema.table}, in order
     * @param typeOids each column's type (text format)
     */
    public RowMaskingProbe(String schema, String table, List<String> columns, List<Integer> typeOids,
                           MaskingPlan plan) throws Exception {
        Map<ColumnResolver.Key, ColumnResolver.Name> names = new HashMap<>();
        Field[] fields = new Field[columns.size()];
        for (int i = 0; i < fields.length; i++) {
            short attr = (short) (i + 1);
            fields[i] = new Field(columns.get(i), TABLE_OID, attr, typeOids.get(i), (short) -1, -1, (short) 0);
            names.put(new ColumnResolver.Key(TABLE_OID, attr), new ColumnResolver.Name(schema, table, columns.get(i)));
        }
        ColumnResolver resolver = new ColumnResolver(new ColumnResolver.Catalog() {
            @Override
            public Map<ColumnResolver.Key, ColumnResolver.Name> columns(java.util.Collection<ColumnResolver.Key> keys) {
                return names;
            }

            @Override
            public List<ColumnResolver.Name> tableColumns(String name) {
                return List.of();
            }
        });
        shape = MaskingShape.of(List.of(fields), new short[0], plan, resolver);
    }

    /** One DataRow as the relay would pass it on: the same frame when nothing was masked. */
    public Frame mask(Frame row) throws Exception {
        return RowMasker.mask(row, shape, tally, StandardCharsets.UTF_8);
    }

    /** How many values were masked since the last call. */
    public long takeMasked() {
        return tally.take().values().stream().mapToLong(Long::longValue).sum();
    }
}
