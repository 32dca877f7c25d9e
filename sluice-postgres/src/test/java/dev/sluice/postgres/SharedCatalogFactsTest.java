package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.sluice.core.masking.MaskingPlan;

class SharedCatalogFactsTest {
    private final AtomicInteger loads = new AtomicInteger();
    private final SharedCatalogFacts facts = new SharedCatalogFacts(() -> {
        loads.incrementAndGet();
        return new ColumnResolverCatalog.FactsRows(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    });

    @Test
    void bothTrackersReadingOneStatementLoadTheCatalogOnce() throws Exception {
        facts.statement(() -> {
            try {
                facts.facts(MaskingPlan.empty());
                facts.facts(MaskingPlan.empty());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return null;
        });
        assertThat(loads).hasValue(1);
    }

    @Test
    void nothingIsKeptFromOneStatementToTheNext() throws Exception {
        for (int i = 0; i < 2; i++) {
            facts.statement(() -> {
                try {
                    return facts.facts(MaskingPlan.empty());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        facts.facts(MaskingPlan.empty());
        assertThat(loads).hasValue(3);
    }
}
