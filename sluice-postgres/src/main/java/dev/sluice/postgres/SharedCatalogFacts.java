package dev.sluice.postgres;

import java.io.IOException;
import java.util.function.Supplier;

import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.postgres.masking.MaskingCatalogFacts;
import dev.sluice.postgres.masking.MaskingLineageTracker;

/**
 * The catalog facts of masking lineage for one session's two lineage trackers: the caller's plan and, while the
 * caller is exempt from a rule, the audit trail's (see {@link MaskingRelay#lineage}). When both must load facts while
 * reading the same statement, the catalog is read once and the facts are built under each plan. Outside the reading
 * of a statement nothing is kept, so each tracker's own reasons to load again (DDL seen, an unknown relation, age, a
 * reload of the rules) decide exactly as before. Client-to-upstream thread only.
 */
final class SharedCatalogFacts implements MaskingLineageTracker.FactsSource {
    /** Reads the catalog rows (a connection of Sluice's own). */
    interface Rows {
        ColumnResolverCatalog.FactsRows load() throws IOException;
    }

    private final Rows rows;
    private boolean reading;
    /** The rows loaded while reading the current statement; null outside one, or before the first load. */
    private ColumnResolverCatalog.FactsRows loaded;

    SharedCatalogFacts(Rows rows) {
        this.rows = rows;
    }

    @Override
    public MaskingCatalogFacts facts(MaskingPlan plan) throws IOException {
        ColumnResolverCatalog.FactsRows result = reading && loaded != null ? loaded : rows.load();
        if (reading) {
            loaded = result;
        }
        return result.facts(plan);
    }

    /** Runs the lineage reads of one statement: catalog rows loaded meanwhile serve each of them. */
    <T> T statement(Supplier<T> reads) {
        reading = true;
        try {
            return reads.get();
        } finally {
            reading = false;
            loaded = null;
        }
    }
}
