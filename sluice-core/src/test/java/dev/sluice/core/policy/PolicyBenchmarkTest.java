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

/** Rough cost of one evaluation, printed and not asserted; plus a concurrency check of the same set. */
class PolicyBenchmarkTest {

    private static PolicySet fiftyRules() {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            yaml.append("- name: rule-").append(i).append('\n')
                    .append("  connections: [orders, \"label:env=prod\"]\n")
                    .append("  groups: [agents, group-").append(i).append("]\n");
            switch (i % 3) {
                case 0 -> yaml.append("  deny:\n    kinds: [DROP").append(i).append("]\n");
                case 1 -> yaml.append("  deny:\n    when: \"command.kind == 'X").append(i)
                        .append("' && !command.has_where && 'public.t").append(i).append("' in command.tables\"\n");
                default -> yaml.append("  require-approval:\n    tables: [\"secret").append(i)
                        .append(".*\"]\n    approvers: [sre]\n");
            }
        }
        return Fixtures.policies(yaml.toString());
    }

    @Test
    void printsTheAverageCostOfOneEvaluationWithFiftyRules() {
        PolicySet set = fiftyRules();
        PolicyInput in = input(principal("claude", "agents"),
                sql("UPDATE", "update orders set a=1 where id=2", Set.of("public.orders"), true));
        int warmup = 5_000;
        int runs = 20_000;
        for (int i = 0; i < warmup; i++) {
            set.evaluate(in);
        }
        long start = System.nanoTime();
        Verdict last = null;
        for (int i = 0; i < runs; i++) {
            last = set.evaluate(in).verdict();
        }
        double micros = (System.nanoTime() - start) / 1_000.0 / runs;
        System.out.printf("policy evaluation, 50 rules (17 with CEL): %.2f µs per command%n", micros);
        assertThat(last).isEqualTo(new Verdict.Allow(""));
    }

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
