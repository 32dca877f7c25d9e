package dev.sluice.postgres.masking;

import java.util.BitSet;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.masking.MaskingPlan.ColumnMask;

/**
 * Which output columns of a statement may carry a value derived from a masked column, as
 * {@link MaskingLineageWalker} read it from the parse tree. A column the server reports as a plain table column
 * ({@code tableOid} of a table) is masked by its own column rule; every other column (computed: tableOid 0, a
 * view's column, a table Sluice cannot name) is <em>derived</em> when this lineage says so, and is then replaced
 * whole.
 *
 * @param tainted       the statement reads a masked value anywhere (also in a predicate or a subquery): its errors
 *                      and notices are redacted harder
 * @param unsure        Sluice cannot tell which outputs are derived (a {@code *} over masked data, several
 *                      statements, FETCH/EXECUTE, an unknown relation): every non-table column is derived
 * @param positions     the derived output positions when not {@code unsure}
 * @param source        the column rule of the first masked column read, for the strategy of derived values
 * @param derivedTables relations whose every column is derived (views over masked columns, the statistics)
 * @param refusal       why the statement must not run for this caller, if it must not
 */
public record MaskingLineage(boolean tainted, boolean unsure, BitSet positions, Optional<ColumnMask> source,
                      Set<Integer> derivedTables, Set<Integer> knownTables, Optional<String> refusal) {
    /** Nothing derived: the session has no column rules, or the statement reads no masked value. */
    public static final MaskingLineage NONE = new MaskingLineage(false, false, new BitSet(), Optional.empty(), Set.of(),
            Set.of(), Optional.empty());

    /** Fail closed without catalog facts: every output that is not a plain table column is derived. */
    public static MaskingLineage failClosed() {
        return new MaskingLineage(true, true, new BitSet(), Optional.empty(), Set.of(), Set.of(), Optional.empty());
    }

    /** Fail closed: every output that is not a plain column of a table the facts know is derived. */
    static MaskingLineage unsure(MaskingCatalogFacts facts) {
        return new MaskingLineage(true, true, new BitSet(), Optional.empty(), facts.derivedTables(),
                facts.knownTables(), Optional.empty());
    }

    /**
     * Whether output {@code position}, reported with {@code tableOid}, is derived; {@code named} is whether Sluice
     * could name that table (a table it cannot see, e.g. a temporary one, counts as computed).
     */
    boolean derived(int position, int tableOid, boolean named) {
        if (tableOid != 0 && derivedTables.contains(tableOid)) {
            return true;
        }
        if (tableOid != 0 && named) {
            // a relation made or replaced since the facts were loaded (another session's DDL): fail closed
            return !knownTables.isEmpty() && !knownTables.contains(tableOid);
        }
        return unsure || positions.get(position);
    }

    MaskingLineage refused(String reason) {
        return new MaskingLineage(tainted, unsure, positions, source, derivedTables, knownTables,
                Optional.of(reason));
    }
}
