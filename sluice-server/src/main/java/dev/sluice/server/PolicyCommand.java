package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import dev.sluice.core.access.GatewayState;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.identity.Principal;
import dev.sluice.core.policy.Decision;
import dev.sluice.core.policy.PolicyInput;
import dev.sluice.core.policy.RuleMatch;
import dev.sluice.core.policy.Verdict;
import dev.sluice.postgres.sql.Classification;
import dev.sluice.postgres.sql.SqlClassifier;

/** {@code sluice policy test}: a dry run of classification and policy for one statement, for CI on policy files. */
@Command(name = "policy", description = "Policy tools.", subcommands = PolicyCommand.Test.class)
final class PolicyCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    @Command(name = "test", description = "Classify SQL and show every matching rule and the verdict.")
    static final class Test implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true)
        Path config;

        @Option(names = "--subject", required = true)
        String subject;

        @Option(names = "--groups", split = ",")
        List<String> groups = List.of();

        @Option(names = "--kind", description = "human (default) or machine")
        String kind = "human";

        @Option(names = "--actor", description = "an agent acting for the subject (delegation)")
        List<String> actors = List.of();

        @Option(names = "--connection", required = true)
        String connection;

        @Option(names = "--expect", description = "allow, deny or hold: exit 1 when the verdict differs")
        String expect;

        @Parameters(index = "0", description = "the SQL text")
        String sql;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            GatewayState state;
            try {
                state = GatewayStates.load(config.toAbsolutePath());
            } catch (ConfigException e) {
                e.problems().forEach(p -> spec.commandLine().getErr().println(p));
                return 2;
            }
            ConnectionConfig target = state.config().connection(connection).orElse(null);
            if (target == null) {
                spec.commandLine().getErr().println("sluice: no connection named \"" + connection + "\" in " + config);
                return 2;
            }
            Principal principal = new Principal("cli", subject, subject, new LinkedHashSet<>(groups),
                    Principal.Kind.valueOf(kind.toUpperCase(Locale.ROOT)),
                    actors.stream().map(a -> new Principal.Actor(a, "")).toList());
            Classification classification = SqlClassifier.create().classify(sql);
            classification.commands().forEach(c -> out.printf("statement: kind=%s tables=%s functions=%s has_where=%s"
                    + " opaque=%s kinds=%s%n  %s%n", c.kind(), c.tables(), c.functions(), c.hasWhere(), c.opaque(),
                    c.kindsLabel(), c.text().strip()));
            if (classification.commands().isEmpty()) {
                out.println("no statement: nothing to judge");
                return 0;
            }
            PolicyInput input = new PolicyInput(principal, target.name(), target.labels(), target.defaultAction(),
                    classification.commands().getFirst(), Instant.now(), "127.0.0.1");
            Decision decision = state.policies().evaluateAll(input, classification.commands());
            for (RuleMatch match : decision.matches()) {
                out.printf("matched: %s (%s) %s%n", match.rule(), match.action(), match.detail());
            }
            String verdict = decision.verdict().label();
            out.println("verdict: " + verdict + describe(decision.verdict()));
            return expect == null || expect.equalsIgnoreCase(verdict) ? 0 : 1;
        }


        private static String describe(Verdict verdict) {
            return switch (verdict) {
                case Verdict.Allow a -> a.rule().isEmpty() ? " (connection default)" : " by rule " + a.rule();
                case Verdict.Deny d -> (d.rule().isEmpty() ? " (connection default)" : " by rule " + d.rule())
                        + ": " + d.reason();
                case Verdict.Hold h -> " by rule " + h.rule() + ": " + h.reason() + " (approvers: "
                        + String.join(", ", h.approvers()) + ")";
            };
        }
    }

}
