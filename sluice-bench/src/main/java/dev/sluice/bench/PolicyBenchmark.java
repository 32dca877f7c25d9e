package dev.sluice.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.policy.ConfigRuleSource;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.PolicyInput;
import dev.sluice.core.policy.PolicySet;
import dev.sluice.postgres.sql.Classification;
import dev.sluice.postgres.sql.DangerousFunctions;
import dev.sluice.postgres.sql.SqlClassifier;

/**
 * The per-statement cost of the policy gate: classify the SQL text (libpg_query) and evaluate it against 50 rules,
 * for an {@code agents} member on {@code orders}, with and without the classification cache. Reproduce with the
 * command in docs/benchmarks.md, section Policy.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class PolicyBenchmark {
    /** Typical statements: an ORM read by key, an insert, a keyed update, and psql's {@code \d items} lookup. */
    static final Map<String, String> STATEMENTS = Map.of(
            "select_by_id", "SELECT id, name, qty FROM items WHERE id = $1",
            "insert", "INSERT INTO orders (customer_id, total, status) VALUES ($1, $2, $3)",
            "update_where", "UPDATE items SET qty = qty - $1 WHERE id = $2",
            "psql_describe", "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN "
                    + "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname OPERATOR(pg_catalog.~) "
                    + "'^(items)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid) "
                    + "ORDER BY 2, 3;");

    @Param({"select_by_id", "insert", "update_where", "psql_describe"})
    public String statement;

    /** Whether 10 of the 50 rules are CEL conditions run on every statement (else kinds/tables conditions). */
    @Param({"true"})
    public boolean cel;

    private String sql;
    private SqlClassifier cached;
    private SqlClassifier uncached;
    private PolicySet policies;
    private PolicyInput base;

    @Setup
    public void setUp() {
        sql = STATEMENTS.get(statement);
        cached = SqlClassifier.create();
        uncached = SqlClassifier.create(0);
        policies = PolicySet.parse(List.of(new ConfigRuleSource(ConfigNode.parse(Path.of("bench-rules.yaml"), Rules.yaml(cel)))),
                DangerousFunctions.all());
        if (policies.rules().size() != 50) {
            throw new IllegalStateException("expected 50 rules, got " + policies.rules().size());
        }
        Principal agent = new Principal("https://idp.example", "agent-1", "agent-1", Set.of("agents"),
                Principal.Kind.MACHINE, List.of());
        Classification first = uncached.classify(sql);
        base = new PolicyInput(agent, "orders", Map.of("env", "prod"), PolicyInput.ALLOW,
                first.commands().getFirst(), Instant.parse("2026-01-05T10:00:00Z"), "127.0.0.1");
        if (!(judge(cached).verdict() instanceof dev.sluice.core.policy.Verdict.Allow)) {
            throw new IllegalStateException(statement + " is not allowed: " + judge(cached));
        }
    }

    /** Classification served from the cache (the same text repeats), then evaluation of the 50 rules. */
    @Benchmark
    public Decision classifyAndEvaluateCached() {
        return judge(cached);
    }

    /** Every call parses with libpg_query, then evaluates the 50 rules. */
    @Benchmark
    public Decision classifyAndEvaluateUncached() {
        return judge(uncached);
    }

    /** Evaluation of the 50 rules alone, for reference. */
    @Benchmark
    public Decision evaluateOnly() {
        return policies.evaluate(base);
    }

    private Decision judge(SqlClassifier classifier) {
        Classification classification = classifier.classify(sql);
        return policies.evaluateAll(base.withCommand(classification.commands().getFirst()),
                classification.commands());
    }
}
