package dev.sluice.core.policy;

import static dev.sluice.core.policy.Fixtures.input;
import static dev.sluice.core.policy.Fixtures.principal;
import static dev.sluice.core.policy.Fixtures.sql;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/**
 * One policy set evaluated from many threads at once gives every thread the same verdicts (what one evaluation costs
 * is measured by sluice-bench's {@code PolicyBenchmark}).
 */
class PolicyConcurrencyTest {

    @Test
    void evaluatesConsistentlyFromManyThreads() throws Exception {
        PolicySet set = Fixtures.policies(Fixtures.EXAMPLE);
        PolicyInput deleteNoWhere = input(principal("claude", "agents"),
                sql("DELETE", "delete from orders", Set.of("orders"), false));
        PolicyInput deleteWhere = deleteNoWhere.withCommand(sql("DELETE", "delete from orders where id=1",
                Set.of("orders"), true));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    boolean ok = true;
                    for (int i = 0; i < 2_000; i++) {
                        ok &= set.evaluate(deleteNoWhere).verdict() instanceof Verdict.Deny;
                        ok &= set.evaluate(deleteWhere).verdict() instanceof Verdict.Hold;
                    }
                    return ok;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        }
    }
}
