package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.SluiceException;
import dev.sluice.core.config.ConfigException;

/**
 * The one command-line entry point: {@code sluice serve|check|token|audit|policy|demo|approvals|approve|reject|access|kubeconfig}.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "Identity-aware Layer-7 gateway for AI agents.",
        subcommands = {SluiceCli.Serve.class, SluiceCli.Check.class, TokenCommand.class, AuditCommand.class,
            PolicyCommand.class, DemoCommand.class, MaskCommand.class, ApprovalsCommand.class,
            ApprovalsCommand.Approve.class, ApprovalsCommand.Reject.class, ApprovalsCommand.Access.class,
            SessionsCommand.class, KillCommand.class, ReplayCommand.class, SshCaCommand.class,
            KubeconfigCommand.class, RelayCommand.class, RelaysCommand.class})
public final class SluiceCli implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    /** The JDK's poller mode Sluice runs with unless {@code -Djdk.pollerMode} says otherwise (see {@link #main}). */
    static final String POLLER_MODE = "1";

    public static void main(String[] args) {
        // Blocking socket I/O on virtual threads waits in the JDK's pollers. Mode 1 polls on platform threads that
        // unpark the waiting thread directly; the default on Linux (2) polls on virtual threads behind a master
        // poller, one more hand-off per wait. A proxied HTTP request waits twice (client, upstream): measured at
        // one connection, mode 1 cut the median added latency by about a third (docs/benchmarks.md). Read once, when
        // the first virtual thread blocks on a socket, so it is set before anything runs.
        if (System.getProperty("jdk.pollerMode") == null) {
            System.setProperty("jdk.pollerMode", POLLER_MODE);
        }
        int code = commandLine().execute(args);
        if (code != 0 || !isLongRunning(args)) {
            System.exit(code);
        }
    }

    static CommandLine commandLine() {
        CommandLine result = new CommandLine(new SluiceCli());
        result.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof SluiceException) {
                err.println("sluice: " + e.getMessage());
            } else {
                err.println("sluice: unexpected error: " + e);
            }
            err.flush();
            return e instanceof ConfigException ? 2 : 1;
        });
        return result;
    }

    private static boolean isLongRunning(String[] args) {
        return args.length > 0 && (args[0].equals("serve") || args[0].equals("demo")
                || (args[0].equals("relay") && (args.length < 2 || args[1].startsWith("-"))));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Options shared by every command that reads a config file. */
    static final class ConfigOption {
        @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
        Path config;
    }

    @Command(name = "serve", description = "Run the gateway. SIGTERM drains (shutdown.drain-timeout), then exits 0.")
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption options;

        @Override
        public Integer call() throws Exception {
            Path config = options.config.toAbsolutePath();
            applyLogFormat(config);
            Gateway gateway = Gateway.start(config, Clock.systemUTC());
            CountDownLatch stopped = new CountDownLatch(1);
            // Any other way the JVM stops (SIGINT, System.exit): close, which commits and signs the audit tail.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                gateway.close();
                stopped.countDown();
            }));
            Drain.onSigterm(gateway);
            System.out.println("sluice: serving; PostgreSQL on port " + gateway.postgresPort() + ", HTTP on port "
                    + gateway.httpPort());
            System.out.flush();
            stopped.await();
            return 0;
        }

        /** logging.format from the file, before anything logs; a file that does not load is reported by start. */
        private static void applyLogFormat(Path config) {
            try {
                LogFormat.apply(OpsConfig.of(dev.sluice.core.config.ConfigLoader.load(config)).logFormat());
            } catch (RuntimeException e) {
                // Gateway.start reports every problem of the file
            }
        }
    }

    @Command(name = "check", description = "Validate a config file and its policy files; exit non-zero on any error.")
    static final class Check implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption options;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try {
                var state = GatewayStates.load(options.config.toAbsolutePath());
                ConfigWarnings.of(state.config()).forEach(w -> spec.commandLine().getErr().println(w));
                spec.commandLine().getOut().println(options.config + ": ok (" + state.config().connections().size()
                        + " connections, " + state.policies().rules().size() + " policy rules)");
                return 0;
            } catch (ConfigException e) {
                e.problems().forEach(p -> spec.commandLine().getErr().println(p));
                spec.commandLine().getErr().println(e.problems().size() + " problem(s)");
                return 1;
            }
        }
    }
}
