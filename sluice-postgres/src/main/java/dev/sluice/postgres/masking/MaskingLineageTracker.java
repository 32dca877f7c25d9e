package dev.sluice.postgres.masking;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.postgres.sql.SqlParseTree;

/**
 * The client-to-upstream half of masking lineage for one session: reads each statement text's
 * {@link MaskingLineage} under the session's plan, with the {@link MaskingCatalogFacts} it needs loaded lazily on
 * Sluice's own connection and loaded again when stale (DDL seen in the session, a result naming a relation the facts
 * do not know, every {@value #FACTS_TTL_SECONDS} s, a reload of the rules). The lineages of the last
 * {@value #CACHE} texts are kept: clients repeat their statements. Confined to the client-to-upstream thread, but
 * {@link #stale} may be called from the other one.
 */
public final class MaskingLineageTracker {
    private static final Logger LOG = LoggerFactory.getLogger(MaskingLineageTracker.class);
    static final int FACTS_TTL_SECONDS = 10;
    static final int CACHE = 256;
    private static final int CACHE_MAX_TEXT = 8192;

    /** Where the catalog facts come from (a connection of Sluice's own). */
    public interface FactsSource {
        MaskingCatalogFacts facts(MaskingPlan plan) throws IOException;
    }

    private final FactsSource source;
    private final String session;
    private MaskingCatalogFacts facts;
    private MaskingPlan factsPlan;
    private long factsAt;
    private volatile boolean stale;
    private final Map<String, MaskingLineage> lineages = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, MaskingLineage> eldest) {
            return size() > CACHE;
        }
    };

    public MaskingLineageTracker(FactsSource source, String session) {
        this.source = source;
        this.session = session;
    }

    /** The facts must be loaded again before the next statement (any thread). */
    public void stale() {
        stale = true;
    }

    /** The lineage of {@code sql} under {@code plan}; {@link MaskingLineage#NONE} without column rules. */
    public MaskingLineage read(String sql, MaskingPlan plan) {
        if (!plan.hasColumnRules()) {
            return MaskingLineage.NONE;
        }
        try {
            long now = System.nanoTime();
            if (facts == null || stale || factsPlan != plan || now - factsAt > FACTS_TTL_SECONDS * 1_000_000_000L) {
                stale = false;
                lineages.clear();
                facts = source.facts(plan);
                factsPlan = plan;
                factsAt = now;
            }
        } catch (IOException e) {
            // Fail closed: without the catalog every computed column is derived.
            LOG.warn("session {}: masking catalog lookup failed: {}", session, e.getMessage());
            facts = null;
            return MaskingLineage.failClosed();
        }
        MaskingLineage cached = lineages.get(sql);
        if (cached != null) {
            return cached;
        }
        Optional<JsonNode> statements = SqlParseTree.statements(sql);
        if (statements.isEmpty()) {
            return MaskingLineage.unsure(facts); // not parsed: the policy judges it unknown
        }
        MaskingLineage result = MaskingLineageWalker.analyse(statements.get(), facts, plan);
        if (sql.length() <= CACHE_MAX_TEXT) {
            lineages.put(sql, result);
        }
        return result;
    }
}
