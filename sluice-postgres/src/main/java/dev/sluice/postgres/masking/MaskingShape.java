package dev.sluice.postgres.masking;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingPlan.ColumnMask;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;

/**
 * What masking does to each column of one result, decided once per RowDescription (not per row): pass it on, run
 * the detectors over it, replace it whole, make it NULL, or refuse the result (a binary value of a type masking
 * cannot rewrite, under a rule that wants it rewritten). See {@link MaskingTypes} for the types.
 */
public final class MaskingShape {
    static final byte PASS = 0;
    static final byte DETECT = 1;
    static final byte COLUMN = 2;
    static final byte NULLIFY = 3;
    static final byte REFUSE = 4;

    public final MaskingPlan plan;
    final byte[] actions;
    final int[] types;
    final int[] formats;
    final ColumnMask[] masks;
    final String[] names;
    /** Columns whose clear values are kept in {@link MaskedValues}: masked columns and expressions over them. */
    final boolean[] remember;
    final boolean passAll;

    private MaskingShape(MaskingPlan plan, byte[] actions, int[] types, int[] formats, ColumnMask[] masks,
                         String[] names) {
        this.plan = plan;
        this.actions = actions;
        this.types = types;
        this.formats = formats;
        this.masks = masks;
        this.names = names;
        this.remember = new boolean[actions.length];
        boolean pass = true;
        for (byte action : actions) {
            pass &= action == PASS;
        }
        this.passAll = pass;
    }

    int size() {
        return actions.length;
    }

    /**
     * The shape of a result described by {@code fields}, sent in {@code resultFormats} (Bind's result format codes:
     * none = all text, one = all columns, else one per column), under {@code plan}.
     *
     * @throws MaskingRefusal when the plan has column rules and the column names cannot be looked up
     */
    public static MaskingShape of(List<Field> fields, short[] resultFormats, MaskingPlan plan, ColumnResolver resolver)
            throws MaskingRefusal {
        return of(fields, resultFormats, plan, resolver, MaskingLineage.NONE);
    }

    /**
     * As above, with the statement's {@code lineage}: under column rules, an output the lineage calls derived (a
     * computed column fed by a masked value, a column of a view over masked data, anything when unsure) is replaced
     * whole with {@link MaskingPlan#derivedMask}: in text format (and for text types in binary) by the strategy's
     * text, in binary format of any other type by SQL NULL (Sluice cannot write a binary record, array, number or
     * bytea of its own), NULL staying NULL. The statistics' {@code anyarray} columns are always derived.
     */
    public static MaskingShape of(List<Field> fields, short[] resultFormats, MaskingPlan plan, ColumnResolver resolver,
                           MaskingLineage lineage) throws MaskingRefusal {
        int n = fields.size();
        byte[] actions = new byte[n];
        int[] types = new int[n];
        int[] formats = new int[n];
        ColumnMask[] masks = new ColumnMask[n];
        String[] names = new String[n];
        Map<ColumnResolver.Key, ColumnResolver.Name> resolved = plan.hasColumnRules() ? names(fields, resolver)
                : Map.of();
        List<Integer> rememberColumns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Field field = fields.get(i);
            types[i] = field.typeOid();
            formats[i] = resultFormats.length == 0 ? 0 : resultFormats.length == 1 ? resultFormats[0]
                    : i < resultFormats.length ? resultFormats[i] : 0;
            names[i] = field.name();
            Optional<ColumnMask> mask = Optional.empty();
            boolean named = false;
            if (field.tableOid() != 0 && plan.hasColumnRules()) {
                ColumnResolver.Name name = resolved.get(new ColumnResolver.Key(field.tableOid(), field.columnAttr()));
                named = name != null;
                // A table the catalog connection cannot see (created in the client's open transaction, a temporary
                // table) is matched by the field's own name with an unknown table: "*.card" still applies.
                name = name != null ? name : new ColumnResolver.Name("", "", field.name());
                names[i] = name.qualified();
                mask = name.mask(plan);
            }
            boolean rewritable = formats[i] == 0 || MaskingTypes.isText(types[i]);
            if (plan.hasColumnRules() && (types[i] == MaskingTypes.ANYARRAY
                    || lineage.derived(i, field.tableOid(), named))) {
                // A value derived from a masked column: replaced whole (fail closed), or NULL where it cannot be.
                masks[i] = plan.derivedMask(mask.isPresent() ? mask : lineage.source());
                names[i] = names[i] + " (derived)";
                // not the columns of a derived view or of an unsure statement: those may be clear data
                rememberColumns.add(mask.isPresent() || (!lineage.unsure() && lineage.positions().get(i)) ? i : -1);
                actions[i] = masks[i].nullifies() || !rewritable ? NULLIFY : COLUMN;
            } else if (mask.isPresent()) {
                rememberColumns.add(i);
                masks[i] = mask.get();
                actions[i] = mask.get().nullifies() ? NULLIFY : rewritable ? COLUMN : REFUSE;
            } else if (plan.hasDetectors() && MaskingTypes.detectable(types[i], formats[i])) {
                actions[i] = DETECT;
            } else {
                actions[i] = PASS;
            }
        }
        MaskingShape shape = new MaskingShape(plan, actions, types, formats, masks, names);
        rememberColumns.stream().filter(i -> i >= 0).forEach(i -> shape.remember[i] = true);
        return shape;
    }

    /** The shape of a text-format COPY row whose columns are {@code columns} (empty names: detectors only). */
    static MaskingShape copy(List<ColumnResolver.Name> columns, int count, MaskingPlan plan) {
        byte[] actions = new byte[count];
        int[] types = new int[count];
        int[] formats = new int[count];
        ColumnMask[] masks = new ColumnMask[count];
        String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            types[i] = 25;
            Optional<ColumnMask> mask = Optional.empty();
            if (i < columns.size()) {
                ColumnResolver.Name name = columns.get(i);
                names[i] = name.qualified();
                mask = name.mask(plan);
            } else {
                names[i] = "";
            }
            if (mask.isPresent()) {
                masks[i] = mask.get();
                actions[i] = mask.get().nullifies() ? NULLIFY : COLUMN;
            } else {
                actions[i] = plan.hasDetectors() ? DETECT : PASS;
            }
        }
        return new MaskingShape(plan, actions, types, formats, masks, names);
    }

    private static Map<ColumnResolver.Key, ColumnResolver.Name> names(List<Field> fields, ColumnResolver resolver)
            throws MaskingRefusal {
        List<ColumnResolver.Key> keys = new ArrayList<>();
        for (Field field : fields) {
            if (field.tableOid() != 0) {
                keys.add(new ColumnResolver.Key(field.tableOid(), field.columnAttr()));
            }
        }
        if (keys.isEmpty()) {
            return Map.of();
        }
        try {
            return resolver.resolve(keys);
        } catch (IOException e) {
            // Fail closed: without names the column rules cannot be applied, so the result does not pass.
            throw new MaskingRefusal("Sluice cannot look up the names of the result's columns to mask them");
        }
    }
}
